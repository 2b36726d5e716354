"""Tokens, as Jupyter Server does them, in Chromium: the printed link carries
`?token=`, the page turns it into a cookie and drops it from the address bar,
the child page's WebSocket carries the cookie; the H5Gizmos direct URL works
with `&token=`; without the token every page is a 403 that says what to do and
no session starts. `/ping` and `/healthz` stay open.
"""

from __future__ import annotations

import asyncio
import re
import urllib.error
import urllib.request

import websockets
from selenium.webdriver.common.by import By

from gizmo_support import GIZMOS, click, http_get, launch, nonempty_lines, port_of, run_to_exit, wait, wait_connected, wait_text

TOKEN = "e2e-token-4f1c9a7d2b8e6f30a5c1d9e7b3f2a8c4"
NEEDS_TOKEN = "This gizmo server needs its token: open the link gizmolua printed (it ends in ?token=...)."


def fresh_browser(page, base: str) -> None:
    """The browser without this server's cookie (they are per host: visit it first)."""
    page.get(f"{base}ping")
    page.delete_all_cookies()


def body_text(page) -> str:
    return page.find_element(By.TAG_NAME, "body").text


def status_of(url: str, headers: dict[str, str] | None = None) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as answer:
        return answer.code


def base_of(url: str) -> str:
    match = re.match(r"(http://[^/]+/)", url)
    assert match, url
    return match.group(1)


def test_the_printed_link_opens_the_entry_page_and_the_token_leaves_the_address_bar(serve, counters, page):
    server = serve(counters, env={"GIZMO_TOKEN": TOKEN})
    base = base_of(server.url)
    assert server.url == f"{base}?token={TOKEN}", server.link_line
    fresh_browser(page, base)

    page.get(server.url)
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Gizmos")
    assert page.current_url == base, "the token stayed in the address bar"
    cookie = page.get_cookie(f"gizmolua-token-{port_of(base)}")
    assert cookie and cookie["value"] == TOKEN and cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie

    # A launch and the child page's WebSocket go on the cookie alone.
    page.find_element(By.LINK_TEXT, "click_counter").click()
    wait_connected(page)
    assert re.fullmatch(re.escape(base) + r"gizmo/http/MGR_\d+_\d+/index\.html", page.current_url), page.current_url
    click(page, "Click me")
    wait_text(page, "clicked 1")


def test_the_direct_script_url_works_with_the_token(serve, counters, page):
    server = serve(counters, env={"GIZMO_TOKEN": TOKEN})
    base = base_of(server.url)
    port = port_of(base)
    fresh_browser(page, base)

    page.get(f"{base}?server=localhost&port={port}&module=counters&script=click_counter&token={TOKEN}")
    wait_connected(page)
    assert "token" not in page.current_url, page.current_url
    click(page, "Click me")
    wait_text(page, "clicked 1")
    # Once the browser holds the cookie, the direct URL needs no token.
    page.get(f"{base}?server=localhost&port={port}&module=counters&script=click_counter")
    wait_connected(page)
    wait_text(page, "waiting")


def test_without_the_token_every_page_says_what_to_do_and_no_session_starts(serve, counters, page):
    server = serve(counters, env={"GIZMO_TOKEN": TOKEN})
    base = base_of(server.url)

    # A session started by someone who has the token ...
    child = launch(f"{base}?module=counters&script=click_counter", {"Authorization": f"token {TOKEN}"})
    fresh_browser(page, base)
    for address in (base, f"{base}?module=counters&script=click_counter", child, f"{base}?token=wrong"):
        page.get(address)
        assert NEEDS_TOKEN in body_text(page), (address, body_text(page))
    # The server logs each launch before it answers: only the one above.
    assert server.stderr.count("session started") == 1, server.stderr
    # ... is not driven by a socket without it (the upgrade is refused).
    socket_url = child.replace("http://", "ws://").replace("/gizmo/http/", "/gizmo/ws/").removesuffix("/index.html")
    assert asyncio.run(handshake(socket_url)).startswith("refused")
    assert asyncio.run(handshake(f"{socket_url}?token={TOKEN}")) == "open"
    assert asyncio.run(handshake(socket_url, {"Cookie": f"gizmolua-token-{port_of(base)}={TOKEN}"})) == "open"
    # Reachability checks stay open.
    assert http_get(f"{base}healthz")[0] == 200
    assert http_get(f"{base}ping")[1].startswith("pong")


async def handshake(url: str, headers: dict[str, str] | None = None) -> str:
    try:
        async with websockets.connect(url, additional_headers=headers, open_timeout=10):
            return "open"
    except websockets.InvalidStatus as refused:
        return f"refused {refused.response.status_code}"


def test_run_prints_the_token_in_its_link_and_its_page_connects(gizmo, page):
    run = gizmo(GIZMOS / "click_counter.lua", env={"GIZMO_TOKEN": TOKEN})
    assert re.fullmatch(r"http://localhost:\d+/gizmo/http/MGR_\d+_\d+/index\.html\?token=" + TOKEN, run.url), run.link_line
    fresh_browser(page, base_of(run.url))
    page.get(run.url)
    wait_connected(page)
    assert page.current_url == run.url.removesuffix(f"?token={TOKEN}"), page.current_url
    click(page, "Click me")
    wait_text(page, "clicked 1")


def test_a_run_behind_a_served_connect_goes_on_the_servers_token(serve, gizmo, counters, page):
    server = serve(counters, env={"GIZMO_TOKEN": TOKEN})
    base = base_of(server.url)
    run = gizmo(GIZMOS / "click_counter.lua", env={"GIZMO_LINK_PREFIX": base, "GIZMO_TOKEN": TOKEN})
    assert re.fullmatch(re.escape(base) + r"connect/\d+/gizmo/http/MGR_\d+_\d+/index\.html\?token=" + TOKEN, run.url), run.url
    fresh_browser(page, base)
    page.get(run.url)
    wait_connected(page)  # the socket through /connect/ carried serve's cookie
    click(page, "Click me")
    wait_text(page, "clicked 1")
    fresh_browser(page, base)
    page.get(run.url.removesuffix(f"?token={TOKEN}"))
    assert NEEDS_TOKEN in body_text(page)


def test_beyond_loopback_a_token_is_made_and_required(serve, counters):
    # All interfaces, but every request here goes to loopback.
    server = serve(counters, extra_args=("--host", "0.0.0.0"))
    match = re.fullmatch(r"http://[^/]+:(\d+)/\?token=([0-9a-f]{64})", server.url)
    assert match, server.link_line
    base = f"http://127.0.0.1:{match.group(1)}/"
    token = match.group(2)
    assert status_of(base) == 403
    assert status_of(f"{base}?token={'0' * 64}") == 403
    assert status_of(base, {"Authorization": f"Bearer {token}"}) == 200
    assert status_of(base, {"Cookie": f"gizmolua-token-{match.group(1)}={token}"}) == 200
    assert status_of(f"{base}healthz") == 200
    assert "warning" not in server.stderr


def test_a_token_or_a_name_that_cannot_be_used_stops_the_start_with_one_line(counters):
    bad_token = run_to_exit("serve", str(counters), "--port", "0", env={"GIZMO_TOKEN": "has space"})
    assert bad_token.returncode == 1
    assert nonempty_lines(bad_token.stderr) == [
        "gizmolua: GIZMO_TOKEN may hold only letters, digits and -._~ (at most 256); make one with: openssl rand -hex 32"
    ], bad_token.stderr
    bad_name = run_to_exit("run", str(GIZMOS / "click_counter.lua"), "--no-browser", "--allow-host", "ok.example,bad name")
    assert bad_name.returncode == 1
    assert len(nonempty_lines(bad_name.stderr)) == 1 and "“bad name” is not a host name" in bad_name.stderr, bad_name.stderr
    assert "GIZMO_LINK" not in bad_token.stdout + bad_name.stdout
