"""DESK_PUBLIC_URL: the base of customers' links, checked when the settings are read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from desk.cases.notice import inquiry_url
from desk.settings import Settings


def test_unset_falls_back_to_the_request_base_url(monkeypatch):
    monkeypatch.delenv("DESK_PUBLIC_URL", raising=False)
    assert Settings().customer_base_url("http://127.0.0.1:8301/") == "http://127.0.0.1:8301/"


@pytest.mark.parametrize(
    ("value", "base"),
    [
        ("https://gjj.example.cn", "https://gjj.example.cn"),
        (" https://gjj.example.cn/desk/ ", "https://gjj.example.cn/desk"),  # behind a proxy's path
        ("http://10.1.2.3:8080", "http://10.1.2.3:8080"),
    ],
)
def test_set_it_is_the_base_of_the_inquiry_link(monkeypatch, value, base):
    monkeypatch.setenv("DESK_PUBLIC_URL", value)
    chosen = Settings().customer_base_url("http://127.0.0.1:8301/")
    assert chosen == base
    assert inquiry_url(chosen, "DL2026-000123") == f"{base}/inquiry?case=DL2026-000123"


@pytest.mark.parametrize(
    "value", ["gjj.example.cn", "ftp://gjj.example.cn", "https://", "/inquiry", "https://gjj.example.cn/?a=1"]
)
def test_an_address_a_phone_cannot_open_is_refused_at_start(monkeypatch, value):
    monkeypatch.setenv("DESK_PUBLIC_URL", value)
    with pytest.raises(ValidationError, match="DESK_PUBLIC_URL"):
        Settings()
