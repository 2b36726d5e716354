"""The printed GIZMO_LINK and the environment variables that shape it."""

import re
import socket
import time
from urllib.parse import urlsplit

import pytest

from gizmo_support import GIZMOS, http_get, nonempty_lines

SCRIPT = GIZMOS / "counter.lua"
GIZMO_PATH = re.compile(r"/gizmo/http/MGR_(\d+)_(\d+)/index\.html")


def assert_pong(port: int) -> None:
    status, body = http_get(f"http://127.0.0.1:{port}/ping")
    assert status == 200
    assert body.startswith("pong"), body


def assert_page_served(port: int, path: str) -> None:
    status, body = http_get(f"http://127.0.0.1:{port}{path}")
    assert status == 200
    assert "<html" in body.lower(), body[:200]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_link_line_format(gizmo):
    run = gizmo(SCRIPT)
    assert run.link_line == f" GIZMO_LINK: {run.url} "
    stdout_before_link = run.stdout.split(run.link_line)[0]
    assert nonempty_lines(stdout_before_link), "no human line above the GIZMO_LINK line"

    link = urlsplit(run.url)
    assert link.scheme == "http"
    assert link.port
    match = GIZMO_PATH.fullmatch(link.path)
    assert match, run.url
    assert abs(int(match.group(1)) / 1000 - time.time()) < 3600, "MGR_<ms> is not epoch milliseconds"
    assert_pong(link.port)
    assert_page_served(link.port, link.path)


@pytest.mark.parametrize("prefix", ["http://example.test/prefix", "http://example.test/prefix/"])
def test_link_prefix(gizmo, prefix):
    run = gizmo(SCRIPT, env={"GIZMO_LINK_PREFIX": prefix})
    match = re.fullmatch(
        r"http://example\.test/prefix/connect/(\d+)(/gizmo/http/MGR_\d+_\d+/index\.html)", run.url
    )
    assert match, run.url
    port, path = int(match.group(1)), match.group(2)
    assert_pong(port)  # the advertised port is the one it listens on
    assert_page_served(port, path)


def test_server_address_is_advertised_verbatim(gizmo):
    run = gizmo(SCRIPT, env={"GIZMO_USE_SERVER_ADDRESS": "myhost.example"})
    link = urlsplit(run.url)
    assert link.hostname == "myhost.example", run.url
    assert GIZMO_PATH.fullmatch(link.path), run.url
    assert_pong(link.port)


def test_use_port_is_used_when_free(gizmo):
    port = free_port()
    run = gizmo(SCRIPT, env={"GIZMO_USE_PORT": str(port)}, port=None)
    assert urlsplit(run.url).port == port, run.url
    assert_pong(port)


def test_bad_use_port_falls_back_with_a_note(gizmo):
    run = gizmo(SCRIPT, env={"GIZMO_USE_PORT": "abc"}, port=None)
    note = run.wait_for_stderr(lambda s: "GIZMO_USE_PORT" in s or "abc" in s)
    assert "GIZMO_USE_PORT" in note or "abc" in note, f"no note on stderr: {note!r}"

    link = urlsplit(run.url)
    assert link.port, run.url
    assert GIZMO_PATH.fullmatch(link.path), run.url
    assert_pong(link.port)
    assert_page_served(link.port, link.path)
