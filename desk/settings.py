"""The one settings object. Every value comes from a `DESK_*` environment variable or its default.

`DESK_DATA_DIR` decides where everything is read and written (archive files, the SQLite
database, the storage secret), so two data folders never mix.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings; build with `get_settings()`."""

    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    data_dir: Path = Path("scans")
    database_url: str = ""  # empty: a SQLite file in the data folder
    host: str = "127.0.0.1"
    port: int = 8080
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ocr_languages: str = "chi_sim+eng"
    ocr_engine: str = "rapidocr"  # DESK_OCR_ENGINE: rapidocr (PP-OCRv4; Tesseract for English pages) or tesseract
    ocr_timeout_s: float = 60.0
    session_idle_minutes: int = 30
    default_language: str = "zh-CN"
    demo_customers: int = 2000  # customers seeded on first start
    # budgets of one uploaded file, checked from its header before any page is decoded: a 100 MP page
    # took 1.3 GB to process (measured), so a page limit and a pixel budget keep a worker alive
    capture_max_pages: int = 200
    capture_max_page_megapixels: int = 60
    capture_max_total_megapixels: int = 2000  # 200 A4 pages at 300 dpi
    upload_max_mb: int = 50  # every request body, checked on the server (desk/ui/upload_limit.py)
    # the base of every link meant for customers (the notice's QR code): the address their phones
    # reach, not the clerk's; empty: the address the clerk's page was opened at (fine for `make run`)
    public_url: str = ""
    # where pg_dump and pg_restore of the server's major version are (`desk backup` / `restore` on
    # PostgreSQL); empty: the newest /usr/lib/postgresql/*/bin, else the PATH
    pg_bin_dir: Path | None = None
    # several app servers (docs/deployment.md): one secret signs every server's session cookies, so a
    # browser logged in through one is known to the others; empty: generated in the data folder
    session_secret: str = ""
    # TLS ends at the reverse proxy in front of the app servers: the session cookie is still marked Secure
    tls_at_proxy: bool = False
    fixity_check_s: float = 600.0  # how often each server asks whether the archive's daily fixity run is due
    # DESK_CAPTURE_QUEUE: `pool` (the default) runs captures in this server's process pool; `postgres`
    # makes each capture a job on the database's queue for `python -m desk worker` processes (PostgreSQL
    # only). Opt-in, not automatic on PostgreSQL: with no worker running, captures would wait forever.
    capture_queue: str = "pool"
    capture_queue_wait_s: float = 600.0  # how long a clerk's capture waits for a worker before giving up
    capture_heartbeat_s: float = 30.0  # a job whose worker is silent this long is taken by another worker

    @field_validator("capture_queue")
    @classmethod
    def _known_queue(cls, value: str) -> str:
        """`pool` or `postgres`: a misspelt value must not quietly fall back to the pool."""
        value = value.strip().lower()
        if value not in ("pool", "postgres"):
            raise ValueError("DESK_CAPTURE_QUEUE must be pool or postgres")
        return value

    # the archive's files: empty, the data folder; `s3://bucket/prefix?endpoint=https://host:port&region=name`,
    # an S3-compatible object store (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or ~/.aws)
    archive_url: str = ""
    # Object Lock mode of archived files in a bucket created with Object Lock: COMPLIANCE (nobody can
    # shorten or lift the retention), GOVERNANCE (a user with the bypass permission can) or OFF
    archive_lock_mode: str = "COMPLIANCE"

    @field_validator("public_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        """An absolute http(s) base without a trailing slash: a QR code of anything else leads nowhere."""
        value = value.strip()
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("DESK_PUBLIC_URL must be an absolute http(s) address such as https://gjj.example.cn")
        return value.rstrip("/")

    @field_validator("archive_url")
    @classmethod
    def _s3_url(cls, value: str) -> str:
        """Empty (the data folder) or an s3:// URL with a bucket."""
        value = value.strip()
        parts = urlsplit(value)
        if value and (parts.scheme != "s3" or not parts.netloc):
            raise ValueError("DESK_ARCHIVE_URL must look like s3://bucket/prefix?endpoint=https://host:port")
        return value

    @field_validator("archive_lock_mode")
    @classmethod
    def _lock_mode(cls, value: str) -> str:
        """COMPLIANCE, GOVERNANCE or OFF (any case)."""
        value = value.strip().upper()
        if value not in ("COMPLIANCE", "GOVERNANCE", "OFF"):
            raise ValueError("DESK_ARCHIVE_LOCK_MODE must be COMPLIANCE, GOVERNANCE or OFF")
        return value

    def customer_base_url(self, request_base_url: str) -> str:
        """The base of customers' links: DESK_PUBLIC_URL, else the base URL of the current request."""
        return self.public_url or request_base_url

    @property
    def resolved_data_dir(self) -> Path:
        """The data folder as an absolute path, created on first use."""
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to `desk.sqlite3` in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'desk.sqlite3'}"

    def storage_secret(self) -> str:
        """The secret that signs session cookies: DESK_SESSION_SECRET (shared by several app servers), else
        generated on first start and kept in the data folder."""
        if self.session_secret:
            return self.session_secret
        path = self.resolved_data_dir / ".storage_secret"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (call `get_settings.cache_clear()` after changing the environment)."""
    return Settings()
