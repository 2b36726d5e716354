"""DNS-rebinding probes: requests whose Host names another site (as a page on
a rebound name sends them) are refused, HTTP and WebSocket alike, before any
route runs; `--allow-host NAME` lets that name in. Raw sockets to loopback, so
the Host header is exactly what the test says.
"""

from __future__ import annotations

import re
import socket

from gizmo_support import port_of

EVIL = "evil.example"


def exchange(port: int, request: str) -> tuple[int, str, str]:
    """Send one raw request to 127.0.0.1:port; (status, head, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head else 0
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if status != 101 and length:
            while len(body) < int(length.group(1)):
                chunk = connection.recv(65536)
                if not chunk:
                    break
                body += chunk
        return status, head.decode("latin-1"), body.decode("utf-8", "replace")


def get(port: int, path: str, host: str, extra: str = "") -> tuple[int, str, str]:
    return exchange(port, f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n")


def upgrade(port: int, path: str, host: str) -> int:
    """A browser's WebSocket handshake from a page of `host`; the status."""
    status, _, _ = exchange(
        port,
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    return status


def launch(port: int) -> str:
    """A session's id, launched under the server's own name."""
    status, head, _ = get(port, "/?module=counters&script=click_counter", f"localhost:{port}")
    assert status == 303, head
    match = re.search(r"(?im)^location: gizmo/http/(MGR_\d+_\d+)/index\.html", head)
    assert match, head
    return match.group(1)


def test_requests_for_another_host_name_are_refused(serve, counters):
    port = port_of(serve(counters).url)
    session = launch(port)
    rebound = f"{EVIL}:{port}"

    for path in ("/", "/?module=counters&script=click_counter", f"/gizmo/http/{session}/index.html",
                 f"/connect/{port}/gizmo/http/{session}/index.html", "/no/such/page"):
        status, _, body = get(port, path, rebound)
        assert status == 403, (path, status)
        assert f"start gizmolua with --allow-host={EVIL}" in body, body
    assert upgrade(port, f"/gizmo/ws/{session}", rebound) not in (101, 200)
    assert upgrade(port, f"/connect/{port}/gizmo/ws/{session}", rebound) not in (101, 200)
    # Behind a proxy that names the browser's host in X-Forwarded-Host.
    status, _, _ = get(port, "/", f"127.0.0.1:{port}", f"X-Forwarded-Host: {rebound}\r\n")
    assert status == 403
    # A name is shown escaped, never as markup.
    status, _, body = get(port, "/", f"127.0.0.1:{port}", "X-Forwarded-Host: <img src=x onerror=alert(1)>\r\n")
    assert status == 403 and "<img" not in body

    # The server's own names pass, and reachability checks ask no name.
    assert get(port, "/", f"localhost:{port}")[0] == 200
    assert get(port, "/", f"127.0.0.1:{port}")[0] == 200
    assert get(port, "/", f"[::1]:{port}")[0] == 200
    assert get(port, "/healthz", rebound)[0] == 200
    assert get(port, "/ping", rebound)[0] == 200
    assert upgrade(port, f"/gizmo/ws/{session}", f"localhost:{port}") == 101


def test_allow_host_lets_the_name_in(serve, counters):
    port = port_of(serve(counters, extra_args=("--allow-host", f"other.example,{EVIL.upper()}")).url)
    session = launch(port)
    assert get(port, "/", f"{EVIL}:{port}")[0] == 200
    assert get(port, f"/gizmo/http/{session}/index.html", EVIL)[0] == 200
    assert upgrade(port, f"/gizmo/ws/{session}", f"{EVIL}:{port}") == 101
    assert get(port, "/", f"third.example:{port}")[0] == 403


def test_gizmo_allow_host_and_a_star(serve, counters):
    port = port_of(serve(counters, env={"GIZMO_ALLOW_HOST": "*"}).url)
    assert get(port, "/", f"{EVIL}:{port}")[0] == 200
