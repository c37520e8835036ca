"""`python -m desk worker` as a real subprocess on a test's PostgreSQL database, for the queue's tests and bench."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class WorkerProcess:
    """One worker process; `wait_ready()` blocks until it has loaded its models and takes jobs."""

    def __init__(self, database_url: str, data_dir: Path, *, heartbeat_s: float = 3.0) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DESK_DATABASE_URL": database_url,
            "DESK_DATA_DIR": str(data_dir),
            "DESK_CAPTURE_QUEUE": "postgres",
            "DESK_CAPTURE_HEARTBEAT_S": str(heartbeat_s),
            "DESK_DEFAULT_LANGUAGE": "en",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "desk", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if "ready, waiting for jobs" in line:
                self._ready.set()
        self._ready.set()  # it ended: wait_ready need not wait any longer

    def wait_ready(self, timeout: float = 120) -> WorkerProcess:
        """Wait until the worker says it is ready; fail with its output if it does not."""
        if not self._ready.wait(timeout) or self.process.poll() is not None:
            self.stop()
            raise AssertionError("worker did not start:\n" + "".join(self.lines[-40:]))
        return self

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye to the database (as the OOM killer or a power cut does it)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL if it does not stop."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, timeout: float, step: float = 0.05):
    """Poll `condition()` until it returns something truthy; that value, or AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")
