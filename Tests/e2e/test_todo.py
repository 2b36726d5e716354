"""The simple_todo demo: add items (Enter and the Add button), click one
through done and deleted, and find what is left after a restart, read from
the JSON file in the module's data folder (GIZMO_DATA_DIR)."""

from __future__ import annotations

import json

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from gizmo_support import REPO, click, open_gizmo, save_screenshot, wait, wait_text

TODO = REPO / "scripts" / "some_gizmo_demos" / "simple_todo.lua"
MODULE = "some_gizmo_demos"  # the data folder is named after the script's folder

# Resolves after the page has drawn a frame: by then the throttled `input`
# event of the last keystroke has left for the server. A person takes longer
# than a frame between the last key and Enter or a click on Add;
# test_components.py covers Enter pressed together with the last key.
NEXT_FRAME_JS = """
const done = arguments[arguments.length - 1];
requestAnimationFrame(() => requestAnimationFrame(() => done(true)));
"""


def column(page, name: str) -> list[str]:
    """The item texts in the column whose element has class `name`."""
    return [
        e.get_attribute("textContent").strip()
        for e in page.find_elements(By.CSS_SELECTOR, f".todo-columns .{name} .gz-clickable")
    ]


def wait_columns(page, pending: list[str], done: list[str]) -> None:
    try:
        wait(page).until(lambda d: column(d, "pending") == pending and column(d, "done") == done)
    except Exception as error:
        raise AssertionError(
            f"expected pending {pending!r} and done {done!r}; "
            f"shown: pending {column(page, 'pending')!r}, done {column(page, 'done')!r}"
        ) from error


def item(page, name: str, text: str):
    xpath = (
        f"//*[contains(concat(' ', @class, ' '), ' todo-columns ')]"
        f"//*[contains(concat(' ', @class, ' '), ' {name} ')]"
        f"//*[contains(concat(' ', @class, ' '), ' gz-clickable ')][normalize-space()='{text}']"
    )
    return wait(page).until(
        EC.element_to_be_clickable((By.XPATH, xpath)),
        message=f"no clickable item {text!r} in the {name} column",
    )


def entry(page):
    return wait(page).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, "input.gz-input[placeholder='Something to do']")),
        message="no entry field",
    )


def type_item(page, text: str):
    field = entry(page)
    field.click()
    field.send_keys(text)
    page.execute_async_script(NEXT_FRAME_JS)
    return field


def wait_saved(path, expected) -> None:
    def saved(_):
        try:
            return json.loads(path.read_text()) == expected
        except (OSError, ValueError):
            return False

    try:
        wait(None).until(saved)
    except Exception as error:
        shown = path.read_text() if path.exists() else "(no file)"
        raise AssertionError(f"{path} should hold {expected!r}; it holds {shown}") from error


def test_todo_items_go_through_done_and_deleted_and_survive_a_restart(gizmo, page, tmp_path):
    env = {"GIZMO_DATA_DIR": str(tmp_path)}
    store = tmp_path / MODULE / "simple_todo.json"

    run = gizmo(TODO, env=env)
    open_gizmo(page, run.url)
    wait_text(page, "Nothing to do yet.")
    wait_columns(page, [], [])

    # One item with Enter, one with the Add button.
    type_item(page, "Buy milk").send_keys(Keys.ENTER)
    wait_text(page, "Added: Buy milk")
    wait_columns(page, ["Buy milk"], [])
    wait(page).until(lambda d: entry(d).get_property("value") == "", message="Enter did not empty the field")
    wait_saved(store, [{"text": "Buy milk", "done": False}])

    type_item(page, "Walk the dog")
    click(page, "Add")
    wait_text(page, "Added: Walk the dog")
    wait_columns(page, ["Buy milk", "Walk the dog"], [])
    wait(page).until(lambda d: entry(d).get_property("value") == "", message="Add did not empty the field")
    wait_saved(store, [{"text": "Buy milk", "done": False}, {"text": "Walk the dog", "done": False}])

    # The first item: done (in the element of class "done"), then deleted.
    item(page, "pending", "Buy milk").click()
    wait_text(page, "Done: Buy milk")
    wait_columns(page, ["Walk the dog"], ["Buy milk"])
    wait_saved(store, [{"text": "Buy milk", "done": True}, {"text": "Walk the dog", "done": False}])
    done_item = item(page, "done", "Buy milk")
    assert "line-through" in done_item.value_of_css_property("text-decoration"), "simple_todo.css is not applied"

    done_item.click()
    wait_text(page, "Deleted: Buy milk")
    wait_columns(page, ["Walk the dog"], [])
    wait_saved(store, [{"text": "Walk the dog", "done": False}])

    # A new process with the same data folder finds the remaining item.
    run.stop()
    assert run.proc.returncode is not None
    again = gizmo(TODO, env=env)
    open_gizmo(page, again.url)
    wait_text(page, "1 items loaded.")
    wait_columns(page, ["Walk the dog"], [])
    assert json.loads(store.read_text()) == [{"text": "Walk the dog", "done": False}]

    # And it is live: the item can still be moved on.
    item(page, "pending", "Walk the dog").click()
    wait_text(page, "Done: Walk the dog")
    wait_columns(page, [], ["Walk the dog"])
    wait_saved(store, [{"text": "Walk the dog", "done": True}])

    # Two more for the README picture: a list with items pending and done.
    for text in ("Water the plants", "Call the bakery"):
        type_item(page, text).send_keys(Keys.ENTER)
        wait_text(page, f"Added: {text}")
    wait_columns(page, ["Water the plants", "Call the bakery"], ["Walk the dog"])
    save_screenshot(page, "simple_todo")


def test_todo_starts_empty_without_a_data_file_and_refuses_an_empty_item(gizmo, page, tmp_path):
    run = gizmo(TODO, env={"GIZMO_DATA_DIR": str(tmp_path)})
    open_gizmo(page, run.url)
    wait_text(page, "Nothing to do yet.")

    type_item(page, "   ")
    click(page, "Add")
    wait_text(page, "Type something to do first.")
    wait_columns(page, [], [])
    assert not (tmp_path / MODULE / "simple_todo.json").exists()
