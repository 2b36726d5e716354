"""A failing or runaway handler is shown in the page; the session goes on."""

import re

from gizmo_support import GIZMOS, click, line_of, open_gizmo, wait_error, wait_text


def test_lua_error_in_handler_is_shown_with_file_and_line(gizmo, page):
    script = GIZMOS / "error_click.lua"
    line = line_of(script, 'error("boom")')
    run = gizmo(script)
    open_gizmo(page, run.url)
    wait_text(page, "ready")

    click(page, "Fail")
    where = re.compile(rf"error_click\.lua:{line}:")
    message = wait_error(page, where.search, f"naming error_click.lua:{line}:")
    assert "boom" in message

    # The same handler on its non-failing path, and another button, still run.
    click(page, "Fail")
    wait_text(page, "survived 2")
    click(page, "Works")
    wait_text(page, "works 1")


def test_runaway_handler_is_stopped_by_cpu_limit(gizmo, page):
    run = gizmo(GIZMOS / "runaway_loop.lua", "--cpu-limit", "1")
    open_gizmo(page, run.url)
    wait_text(page, "idle")

    click(page, "Spin")
    wait_error(page, lambda m: "cpu" in m.lower(), "mentioning the CPU limit")

    click(page, "Ping")
    wait_text(page, "pong 1")
    click(page, "Ping")
    wait_text(page, "pong 2")
