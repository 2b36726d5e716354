"""The connection badge, reloads that keep the session, and the end of a run."""

import subprocess

import pytest

from gizmo_support import GIZMOS, click, open_gizmo, wait_connected, wait_text


def test_reload_shows_the_same_session_state(gizmo, page):
    run = gizmo(GIZMOS / "counter.lua")
    open_gizmo(page, run.url)  # waits for #gz-status[data-state=connected]
    wait_text(page, "count 0")
    click(page, "Increment")
    wait_text(page, "count 1")
    click(page, "Increment")
    wait_text(page, "count 2")

    page.refresh()
    wait_connected(page)
    wait_text(page, "count 2")

    # The session is live after the reload, not just replayed.
    click(page, "Increment")
    wait_text(page, "count 3")


def test_run_exits_after_the_page_is_closed_for_the_grace_period(gizmo, page):
    run = gizmo(GIZMOS / "counter.lua", grace="1")
    first_tab = page.current_window_handle
    page.switch_to.new_window("tab")
    open_gizmo(page, run.url)
    wait_text(page, "count 0")

    page.close()  # the page's tab is gone and does not come back
    page.switch_to.window(first_tab)
    try:
        code = run.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("gizmolua run kept running 15 s after its page closed (--grace 1)")
    assert code == 0, run.stderr
