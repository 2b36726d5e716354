"""Clicks reach Lua handlers, and handlers update the page or read from it."""

from gizmo_support import GIZMOS, click, open_gizmo, wait_text


def test_button_click_updates_text(gizmo, page):
    run = gizmo(GIZMOS / "click_counter.lua")
    open_gizmo(page, run.url)
    wait_text(page, "waiting")

    click(page, "Click me")
    wait_text(page, "clicked 1")
    click(page, "Click me")
    wait_text(page, "clicked 2")


def test_get_returns_window_inner_width_as_number(gizmo, page):
    run = gizmo(GIZMOS / "window_width.lua")
    open_gizmo(page, run.url)
    wait_text(page, "not measured")

    click(page, "Measure")
    inner_width = page.execute_script("return window.innerWidth")
    assert isinstance(inner_width, int) and inner_width > 0
    # An integral JSON number arrives in Lua as an integer: "number 1200".
    wait_text(page, f"number {inner_width}")
