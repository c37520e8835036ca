"""A throw-away `redis-server` (Debian's package) on loopback for the test run: no disk, no password."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """Start with `start()`, connect with `url(db)`, end with `stop()`."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(self.binary).exists():
            raise RuntimeError("redis-server is not installed (Debian package 'redis-server'); run `make test`")
        self.dir = Path(tempfile.mkdtemp(prefix="desk-redis-"))
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 20) -> RedisServer:
        """Start the server and wait until it answers PING."""
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=(self.dir / "log").open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{(self.dir / 'log').read_text()[-2000:]}")
            try:
                if self.command("PING") == b"+PONG\r\n":
                    return self
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"redis-server did not answer on {self.port}")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def command(self, *words: str) -> bytes:
        """One command in Redis's inline protocol; its raw answer (enough for PING and small checks)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall((" ".join(words) + "\r\n").encode())
            return conn.recv(65536)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
