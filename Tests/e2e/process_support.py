"""What the tests of processes and services ask the kernel and the server:
a process's state from /proc, and a module page that shows a message."""

from __future__ import annotations

import html
import time
from pathlib import Path

from gizmo_support import http_get


def process_state(pid: int) -> str | None:
    """The kernel's state letter of `pid` (R, S, T for stopped, ...); None when gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state = stat[stat.rindex(")") + 2]
    return None if state in "ZX" else state


def alive(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie has)."""
    return process_state(pid) is not None


def wait_module_page_says(server, module: str, expected: str, timeout: float = 60) -> None:
    """Polls the module's entry page until its text (unescaped) holds `expected`."""
    deadline = time.monotonic() + timeout
    while True:
        _, body = http_get(f"{server.url}?module={module}")
        if expected in html.unescape(body):
            return
        assert time.monotonic() < deadline, f"the page of {module} does not say {expected!r}: {body[-2000:]}"
        time.sleep(0.2)
