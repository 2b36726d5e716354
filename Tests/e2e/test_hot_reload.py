"""Hot reload: saving a script updates its open page in place, over the same
socket; errors show an overlay over the last good page; gz.session survives;
other scripts' pages are untouched."""

from __future__ import annotations

import os
import time
from pathlib import Path

from selenium.webdriver.common.by import By

from gizmo_support import open_gizmo, wait, wait_text

VERSION = """\
-- A gizmo whose text changes between saves.
local gz = require("gizmo")
gz.session.saves = (gz.session.saves or 0) + 1
local kept = gz.Text("kept: " .. (gz.session.typed or ""))
local field = gz.Input(gz.session.typed or "", {{ on_change = function(v)
    gz.session.typed = v
    kept:text("kept: " .. v)
end }})
gz.Stack({{ gz.Text("{text}"), gz.Text("runs " .. gz.session.saves), field, kept }}):show()
"""

OTHER = """\
local gz = require("gizmo")
gz.Text("the other gizmo"):show()
"""


def save(path: Path, text: str) -> None:
    """Save as editors do: write a temporary file, rename it over the original."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def mark_page(page) -> None:
    """A mark that a navigation or a new page load would lose."""
    page.execute_script("window.__gzMark = 'same page';")


def assert_same_page(page) -> None:
    assert page.execute_script("return window.__gzMark") == "same page", "the page was loaded again"


def overlay_text(page) -> str:
    found = page.find_elements(By.ID, "gz-overlay")
    return found[0].text if found else ""


def module(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "scripts" / "live"
    folder.mkdir(parents=True)
    script = folder / "edit_me.lua"
    script.write_text(VERSION.format(text="first version"))
    (folder / "other.lua").write_text(OTHER)
    return folder.parent, script


def test_a_saved_script_updates_the_open_page_in_place(serve, page, tmp_path):
    root, script = module(tmp_path)
    server = serve(root)
    open_gizmo(page, f"{server.url}?module=live&script=edit_me")
    wait_text(page, "first version")
    mark_page(page)
    field = page.find_element(By.CSS_SELECTOR, "input.gz-input")
    field.send_keys("kept across saves")
    wait_text(page, "kept: kept across saves")  # the session has it: the save may come

    save(script, VERSION.format(text="second version"))
    wait_text(page, "second version")
    wait_text(page, "runs 2")
    assert_same_page(page)
    assert page.find_element(By.CSS_SELECTOR, "input.gz-input").get_property("value") == "kept across saves"
    assert "reloaded" in server.wait_for_stderr(lambda e: "reloaded" in e)

    # A syntax error: an overlay naming the line, over the last good page.
    save(script, VERSION.format(text="third") + "local = 1\n")
    wait(page).until(lambda d: "edit_me.lua:10:" in overlay_text(d), message="no overlay with the line number")
    assert page.find_elements(By.XPATH, "//*[normalize-space()='second version']")
    # Fixed: the overlay goes, the new version shows.
    save(script, VERSION.format(text="fixed version"))
    wait_text(page, "fixed version")
    wait(page).until(lambda d: not d.find_elements(By.ID, "gz-overlay"), message="the overlay stayed")
    assert_same_page(page)
    wait_text(page, "runs 3")


def test_another_scripts_page_is_not_reloaded(serve, page, tmp_path):
    root, script = module(tmp_path)
    server = serve(root)
    first_tab = page.current_window_handle
    open_gizmo(page, f"{server.url}?module=live&script=other")
    wait_text(page, "the other gizmo")
    # A mark on the rendered element: a new render would replace it.
    page.execute_script("document.querySelector('#gz-root > *').dataset.mark = 'untouched';")

    page.switch_to.new_window("tab")
    try:
        open_gizmo(page, f"{server.url}?module=live&script=edit_me")
        save(script, VERSION.format(text="edited"))
        wait_text(page, "edited")
    finally:
        page.close()
        page.switch_to.window(first_tab)
    time.sleep(0.3)
    assert page.execute_script("return document.querySelector('#gz-root > *').dataset.mark") == "untouched"


def test_run_reloads_too_and_no_reload_turns_it_off(gizmo, page, tmp_path):
    _, script = module(tmp_path)
    run = gizmo(script)
    open_gizmo(page, run.url)
    wait_text(page, "first version")
    mark_page(page)
    save(script, VERSION.format(text="run reloaded"))
    wait_text(page, "run reloaded")
    assert_same_page(page)
    run.stop()

    save(script, VERSION.format(text="frozen"))
    frozen = gizmo(script, "--no-reload")
    open_gizmo(page, frozen.url)
    wait_text(page, "frozen")
    save(script, VERSION.format(text="not shown"))
    time.sleep(1)
    assert not page.find_elements(By.XPATH, "//*[normalize-space()='not shown']")


STYLED = """\
local gz = require("gizmo")
local box = gz.Text("styled text", { class = "styled" })
box:css_file("look.css")
box:show()
"""


def test_a_changed_style_sheet_is_fetched_again_in_place(serve, page, tmp_path):
    folder = tmp_path / "scripts" / "styled"
    folder.mkdir(parents=True)
    (folder / "look.lua").write_text(STYLED)
    sheet = folder / "look.css"
    sheet.write_text(".styled { color: rgb(200, 0, 0); }\n")
    server = serve(folder.parent)
    open_gizmo(page, f"{server.url}?module=styled&script=look")
    text = wait_text(page, "styled text")
    wait(page).until(lambda d: text.value_of_css_property("color") == "rgba(200, 0, 0, 1)")
    mark_page(page)
    save(sheet, ".styled { color: rgb(0, 0, 200); }\n")
    wait(page).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".styled").value_of_css_property("color") == "rgba(0, 0, 200, 1)",
        message="the changed style sheet was not applied",
    )
    assert_same_page(page)


def test_the_entry_pages_follow_the_folders(serve, page, tmp_path):
    root, _ = module(tmp_path)
    server = serve(root)
    page.get(f"{server.url}?module=live")
    assert not page.find_elements(By.LINK_TEXT, "brand_new")
    (root / "live" / "brand_new.lua").write_text("-- Appeared while serving.\n" + OTHER)
    page.refresh()
    assert "Appeared while serving." in page.find_element(By.TAG_NAME, "main").text
    page.find_element(By.LINK_TEXT, "Open brand_new").click()
    wait_text(page, "the other gizmo")
    (root / "live" / "brand_new.lua").unlink()
    page.get(f"{server.url}?module=live")
    assert not page.find_elements(By.LINK_TEXT, "Open brand_new")
