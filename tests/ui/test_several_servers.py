"""Two real `python -m desk run` app servers sharing one PostgreSQL and one Redis, both started by this test run
on loopback, as a centre runs them behind its reverse proxy (docs/deployment.md, "Several app servers").

What a clerk must not notice: which server answers. A login through one server is honoured by the other,
a logout through one ends the session on both (also for a copy of the old cookie), a login ticket issued
by one is redeemed by the other, failed logins count on both together, and the scheduled fixity check that
both start at the same moment runs once.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import psycopg
import pytest
from desk_process import LOGIN_LABELS, ROOT, DeskServer, free_port, zh
from test_browser import CHROMIUM, CHROMIUM_ARGS, sign_in

from desk.bench.page_client import open_page

pytestmark = [pytest.mark.slow]

FIXITY_LOOK_S = 3  # both servers look at every multiple of this many seconds of the wall clock
SESSION_COOKIE = "session"  # Starlette's SessionMiddleware, which NiceGUI signs with DESK_SESSION_SECRET


@dataclass
class Centre:
    """Server A, server B, the database they share (a psycopg conninfo) and the demo logins."""

    a: DeskServer
    b: DeskServer
    conninfo: str
    logins: dict[str, str]


@pytest.fixture(scope="module")
def centre(pg_cluster, redis_server, tmp_path_factory) -> Iterator[Centre]:
    dbname = f"halls{os.getpid()}"
    url = pg_cluster.create_database(dbname)
    env = {
        "DESK_DATABASE_URL": url,
        "NICEGUI_REDIS_URL": redis_server.url(0),
        "DESK_SESSION_SECRET": secrets.token_urlsafe(32),
        "DESK_FIXITY_CHECK_S": str(FIXITY_LOOK_S),
    }
    root = tmp_path_factory.mktemp("halls")
    servers = []
    for name in ("a", "b"):
        (root / name).mkdir()
        servers.append(DeskServer(root / name / "data", customers=30, extra_env=env))
    a, b = servers
    try:
        a.start()  # the first start migrates the empty database and seeds it; B then finds it ready
        b.start()
        yield Centre(a, b, f"host=127.0.0.1 port={pg_cluster.port} user=postgres dbname={dbname}", a.logins())
    finally:
        for server in servers:
            server.stop()
        pg_cluster.drop_database(dbname)


def _session_cookie(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == SESSION_COOKIE)


def _status_with_cookie(base_url: str, cookie: str, path: str) -> httpx.Response:
    return httpx.get(base_url + path, cookies={SESSION_COOKIE: cookie}, follow_redirects=False, timeout=30)


@pytest.mark.browser
def test_a_login_through_one_server_is_honoured_by_the_other_and_a_logout_ends_it_on_both(centre: Centre):
    from playwright.sync_api import expect, sync_playwright

    a, b = centre.a.url, centre.b.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # both servers are 127.0.0.1: a browser's cookies do not tell ports apart, as a proxy's one name does
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        on_a = context.new_page()
        on_a.goto(a + "/lookup")
        sign_in(on_a, a, "clerk1", centre.logins["clerk1"])
        expect(on_a.get_by_text("王丽 · 柜员")).to_be_visible()
        logged_in = _session_cookie(context)

        on_b = context.new_page()
        on_b.goto(b + "/lookup")  # never logged in through B: it knows the session from Redis
        expect(on_b.get_by_text("王丽 · 柜员")).to_be_visible()
        assert on_b.url == b + "/lookup"

        on_a.goto(a + "/logout")
        on_a.wait_for_url(a + "/login?reason=logged_out")
        # the page B built before the logout still has its websocket to B: its next action finds the session over
        query = on_b.get_by_label("身份证号 / 个人账号 / 姓名")
        query.fill("210203199001011234")
        query.press("Enter")
        on_b.wait_for_url(b + "/login?reason=expired")
        browser.close()
    # a copy of the logged-in cookie (seen before the logout) opens nothing on either server
    for base in (a, b):
        replayed = _status_with_cookie(base, logged_in, "/lookup")
        assert replayed.status_code == 307 and replayed.headers["location"].startswith("/login")


async def test_a_login_ticket_from_one_server_is_redeemed_by_the_other(centre: Centre):
    labels = {k: zh(v) for k, v in LOGIN_LABELS.items()}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        page = await open_page(http, centre.a.url, "/login")
        try:
            await page.type_into(labels["username"], "supervisor1")
            await page.type_into(labels["password"], centre.logins["supervisor1"])
            await asyncio.sleep(0.05)
            await page.click(labels["submit"])
            await page.wait_for(lambda p: bool(p.navigated_to), 30)
        finally:
            await page.close()
        target = page.navigated_to[0]
        assert target.startswith("/login/complete?ticket=")
        # the proxy may send the redirect elsewhere (server A restarting, a route cookie lost): B redeems it
        async with http.get(centre.b.url + target, allow_redirects=False) as redeemed:
            assert redeemed.status == 303 and redeemed.headers["location"] == "/review"
        async with http.get(centre.a.url + target, allow_redirects=False) as again:  # used up, on A as well
            assert again.headers["location"] == "/login?reason=expired"
        for base in (centre.a.url, centre.b.url):
            async with http.get(base + "/review", allow_redirects=False) as review:
                assert review.status == 200


async def _try_password(base_url: str, username: str, password: str) -> str:
    """One login attempt through the page's own form on `base_url`; the message the page shows."""
    labels = {k: zh(v) for k, v in LOGIN_LABELS.items()}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        page = await open_page(http, base_url, "/login")
        try:
            await page.type_into(labels["username"], username)
            await page.type_into(labels["password"], password)
            await asyncio.sleep(0.05)
            await page.click(labels["submit"])
            known = (zh("login.bad_credentials"), zh("login.locked", seconds=0)[:8])
            await page.wait_for(lambda p: any(text.startswith(known) for text in p.texts()), 30)
            return next(text for text in page.texts() if text.startswith(known))
        finally:
            await page.close()


async def test_failed_logins_count_on_both_servers_together(centre: Centre):
    locked = zh("login.locked", seconds=0)[:8]
    answers = [
        await _try_password(server.url, "clerk2", "not-the-password")
        for server in (centre.a, centre.b, centre.a, centre.b)
    ]
    # three free failures between them; the fourth (B's second) makes the account wait
    assert answers[:3] == [zh("login.bad_credentials")] * 3
    assert answers[3].startswith(locked)
    # the wait holds on A too, even for the right password
    assert (await _try_password(centre.a.url, "clerk2", centre.logins["clerk2"])).startswith(locked)


def _fixity_runs(conninfo: str) -> list[tuple]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT started_at, checked FROM archive_fixity_run ORDER BY id").fetchall()


def test_the_scheduled_fixity_check_both_servers_start_at_once_runs_once(centre: Centre):
    with psycopg.connect(centre.conninfo, autocommit=True) as conn:
        conn.execute("DELETE FROM archive_fixity_run")  # due again: no run recorded
    # both servers look at the next multiple of FIXITY_LOOK_S; wait for that one and the one after
    time.sleep(FIXITY_LOOK_S - time.time() % FIXITY_LOOK_S + FIXITY_LOOK_S + 1.5)
    runs = _fixity_runs(centre.conninfo)
    assert len(runs) == 1, runs
    logs = [Path(server.log).read_text(errors="replace") for server in (centre.a, centre.b)]
    assert not any("scheduled fixity check failed" in log for log in logs)


def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A centre CA and a certificate it issued for 127.0.0.1 (openssl, as docs/deployment.md shows)."""
    ca_key, ca_crt, key, csr, crt = (folder / n for n in ("ca.key", "ca.crt", "desk.key", "desk.csr", "desk.crt"))
    ext = folder / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for cmd in (
        f"req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=Centre-test-CA -keyout {ca_key} -out {ca_crt}",
        f"req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout {key} -out {csr}",
        f"x509 -req -in {csr} -CA {ca_crt} -CAkey {ca_key} -CAcreateserial -days 2 -out {crt} -extfile {ext}",
    ):
        subprocess.run(["openssl", *cmd.split()], check=True, capture_output=True)
    return ca_crt, crt, key


def _nginx_conf(folder: Path, centre: Centre, port: int, plain_port: int) -> Path:
    """docs/nginx/desk.conf with this test's app servers, ports and certificate, inside a minimal nginx.conf."""
    _ca, crt, key = _tls_files(folder)
    site = (ROOT / "docs" / "nginx" / "desk.conf").read_text()
    upstreams = [f"127.0.0.1:{centre.a.port}", f"127.0.0.1:{centre.b.port}"]

    def test_server(match: re.Match) -> str:  # the example's three servers: A, B, and none
        return f"{match[1]}server {upstreams.pop(0)} {match[2]};\n" if upstreams else ""

    site = re.sub(r"^(\s*)server 10\.1\.0\.\d+:8080 (.*);\n", test_server, site, flags=re.M)
    assert "10.1.0." not in site
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;").replace(
        "listen 80;", f"listen 127.0.0.1:{plain_port};"
    )
    site = site.replace("/etc/nginx/tls/desk.crt", str(crt)).replace("/etc/nginx/tls/desk.key", str(key))
    (folder / "desk.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        + "events { worker_connections 256; }\nhttp {\n"
        + "    log_format upstream '$upstream_addr|$request_uri';\n"
        + f"    access_log {folder / 'access.log'} upstream;\n{temp}\n    include {folder / 'desk.conf'};\n}}\n"
    )
    return conf


@pytest.fixture
def nginx(centre: Centre, tmp_path) -> Iterator[tuple[str, Path]]:
    """Debian's nginx on loopback running docs/nginx/desk.conf in front of A and B; yields (https URL, access log)."""
    port, plain_port = free_port(), free_port()
    conf = _nginx_conf(tmp_path, centre, port, plain_port)
    process = subprocess.Popen(
        ["nginx", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "error.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"https://127.0.0.1:{port}", tmp_path / "access.log"
    finally:
        process.terminate()
        process.wait(timeout=20)


def _requests(access_log: Path) -> list[tuple[str, str]]:
    """(app server host:port that answered, request URI) of each request nginx passed on, in order."""
    out = []
    for line in access_log.read_text().splitlines():
        upstream, _, uri = line.partition("|")
        out.append((upstream.split(", ")[-1], uri))  # a failed try lists every server it tried
    return out


def _wait_for_websocket_logged(access_log: Path, timeout_s: float = 10) -> list[tuple[str, str]]:
    """The requests so far, once a websocket's line is in (nginx logs it when it closes)."""
    deadline = time.monotonic() + timeout_s
    while True:
        logged = _requests(access_log)
        if any("/_nicegui_ws/" in uri for _, uri in logged):
            return logged
        assert time.monotonic() < deadline, logged
        time.sleep(0.2)


@pytest.mark.browser
def test_through_nginx_a_browser_sticks_to_one_server_and_stays_logged_in_when_it_goes(centre: Centre, nginx):
    from playwright.sync_api import expect, sync_playwright

    proxy, access_log = nginx
    servers = {f"127.0.0.1:{s.port}": s for s in (centre.a, centre.b)}
    lost: DeskServer | None = None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # the test's CA is not in Chromium's store; the TLS itself is nginx's real one
            context = browser.new_context(locale="zh-CN", ignore_https_errors=True)
            page = context.new_page()
            page.goto(proxy + "/lookup")
            sign_in(page, proxy, "clerk1", centre.logins["clerk1"])
            expect(page.get_by_text("王丽 · 柜员")).to_be_visible()
            route = next(c for c in context.cookies() if c["name"] == "desk_route")
            assert route["secure"] and route["httpOnly"]
            page.goto("about:blank")  # closes the page's websocket, so nginx logs it
            used = _wait_for_websocket_logged(access_log)
            # every request of the browser, the websockets' too, went to one server, across the login
            assert len({upstream for upstream, _ in used}) == 1, used
            lost = servers[used[0][0]]
            lost.stop()
            page.goto(proxy + "/lookup")
            expect(page.get_by_text("王丽 · 柜员")).to_be_visible()  # the other server knows the session
            assert page.url == proxy + "/lookup"
            after = {upstream for upstream, _ in _requests(access_log)[len(used) :]}
            assert after and all(servers[u] is not lost for u in after), after
            browser.close()
    finally:
        if lost is not None:
            lost.start()


def test_behind_a_tls_proxy_the_session_cookie_is_marked_secure(centre: Centre, tmp_path):
    # a third server of the same centre, told that TLS ends at the proxy in front of it
    shared = ("DESK_DATABASE_URL", "NICEGUI_REDIS_URL", "DESK_SESSION_SECRET", "DESK_FIXITY_CHECK_S")
    env = {name: centre.a.env[name] for name in shared}
    (tmp_path / "c").mkdir()
    behind_proxy = DeskServer(tmp_path / "c" / "data", customers=30, extra_env={**env, "DESK_TLS_AT_PROXY": "1"})
    behind_proxy.start()
    try:
        servers = (centre.a, behind_proxy)
        cookies = [httpx.get(s.url + "/login", timeout=30).headers.get("set-cookie", "") for s in servers]
    finally:
        behind_proxy.stop()
    assert cookies[0].startswith(SESSION_COOKIE + "=") and "secure" not in cookies[0].lower()
    assert cookies[1].startswith(SESSION_COOKIE + "=") and "; secure" in cookies[1].lower()
