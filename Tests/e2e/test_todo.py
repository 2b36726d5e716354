"""The simple_todo demo: add items (Enter and the Add button), click one
through done and deleted, and find what is left after a restart, read from
the module's store (gz.store, the SQLite file in its data folder under
GIZMO_DATA_DIR); two windows, each its own session, share the list live, and
items added in both at the same moment are both kept."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from gizmo_support import REPO, click, open_gizmo, save_screenshot, wait, wait_text
from store_support import MISSING, read_key

SCRIPTS = REPO / "scripts"
TODO = SCRIPTS / "some_gizmo_demos" / "simple_todo.lua"
MODULE = "some_gizmo_demos"  # the data folder is named after the script's folder
KEY = "todo"  # simple_todo's key in the module's store

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


def saved_items(data_dir) -> list[tuple[str, bool]] | None:
    """(text, done) of each item in the store's list, in order; None before any."""
    todo = read_key(data_dir, MODULE, KEY)
    if todo is MISSING:
        return None
    return [(item["text"], item["done"]) for item in todo["items"]]


def wait_saved(data_dir, expected: list[tuple[str, bool]]) -> None:
    try:
        wait(None).until(lambda _: saved_items(data_dir) == expected)
    except Exception as error:
        raise AssertionError(f"the store should hold {expected!r}; it holds {saved_items(data_dir)!r}") from error


def test_todo_items_go_through_done_and_deleted_and_survive_a_restart(gizmo, page, tmp_path):
    env = {"GIZMO_DATA_DIR": str(tmp_path)}

    run = gizmo(TODO, env=env)
    open_gizmo(page, run.url)
    wait_text(page, "Nothing to do yet.")
    wait_columns(page, [], [])

    # One item with Enter, one with the Add button.
    type_item(page, "Buy milk").send_keys(Keys.ENTER)
    wait_text(page, "Added: Buy milk")
    wait_columns(page, ["Buy milk"], [])
    wait(page).until(lambda d: entry(d).get_property("value") == "", message="Enter did not empty the field")
    wait_saved(tmp_path, [("Buy milk", False)])

    type_item(page, "Walk the dog")
    click(page, "Add")
    wait_text(page, "Added: Walk the dog")
    wait_columns(page, ["Buy milk", "Walk the dog"], [])
    wait(page).until(lambda d: entry(d).get_property("value") == "", message="Add did not empty the field")
    wait_saved(tmp_path, [("Buy milk", False), ("Walk the dog", False)])

    # The first item: done (in the element of class "done"), then deleted.
    item(page, "pending", "Buy milk").click()
    wait_text(page, "Done: Buy milk")
    wait_columns(page, ["Walk the dog"], ["Buy milk"])
    wait_saved(tmp_path, [("Buy milk", True), ("Walk the dog", False)])
    done_item = item(page, "done", "Buy milk")
    assert "line-through" in done_item.value_of_css_property("text-decoration"), "simple_todo.css is not applied"

    done_item.click()
    wait_text(page, "Deleted: Buy milk")
    wait_columns(page, ["Walk the dog"], [])
    wait_saved(tmp_path, [("Walk the dog", False)])

    # A new process with the same data folder finds the remaining item.
    run.stop()
    assert run.proc.returncode is not None
    again = gizmo(TODO, env=env)
    open_gizmo(page, again.url)
    wait_text(page, "1 items loaded.")
    wait_columns(page, ["Walk the dog"], [])
    assert saved_items(tmp_path) == [("Walk the dog", False)]

    # And it is live: the item can still be moved on.
    item(page, "pending", "Walk the dog").click()
    wait_text(page, "Done: Walk the dog")
    wait_columns(page, [], ["Walk the dog"])
    wait_saved(tmp_path, [("Walk the dog", True)])

    # Two more for the README picture: a list with items pending and done.
    for text in ("Water the plants", "Call the bakery"):
        type_item(page, text).send_keys(Keys.ENTER)
        wait_text(page, f"Added: {text}")
    wait_columns(page, ["Water the plants", "Call the bakery"], ["Walk the dog"])
    save_screenshot(page, "simple_todo")


def test_todo_starts_empty_without_a_store_and_refuses_an_empty_item(gizmo, page, tmp_path):
    run = gizmo(TODO, env={"GIZMO_DATA_DIR": str(tmp_path)})
    open_gizmo(page, run.url)
    wait_text(page, "Nothing to do yet.")

    type_item(page, "   ")
    click(page, "Add")
    wait_text(page, "Type something to do first.")
    wait_columns(page, [], [])
    assert saved_items(tmp_path) is None


def launch_todo(server) -> str:
    """The launch URL: each visit starts a new session of simple_todo."""
    return f"{server.url}?module={MODULE}&script=simple_todo"


def test_two_windows_share_the_list_live(serve, windows, tmp_path):
    server = serve(SCRIPTS, env={"GIZMO_DATA_DIR": str(tmp_path)})
    first = windows.open(launch_todo(server))
    second = windows.open(launch_todo(server))
    with windows.inside(first) as page:
        first_url = page.current_url
        wait_text(page, "Nothing to do yet.")
        type_item(page, "Buy milk").send_keys(Keys.ENTER)
        wait_text(page, "Added: Buy milk")
        wait_columns(page, ["Buy milk"], [])

    with windows.inside(second) as page:
        assert page.current_url != first_url, "the two windows should be two sessions"
        wait_columns(page, ["Buy milk"], [])  # live: no reload, no click here
        type_item(page, "Walk the dog").send_keys(Keys.ENTER)
        wait_columns(page, ["Buy milk", "Walk the dog"], [])
        item(page, "pending", "Buy milk").click()
        wait_text(page, "Done: Buy milk")

    with windows.inside(first) as page:
        wait_columns(page, ["Walk the dog"], ["Buy milk"])
        item(page, "done", "Buy milk").click()
        wait_text(page, "Deleted: Buy milk")
        wait_columns(page, ["Walk the dog"], [])

    with windows.inside(second) as page:
        wait_columns(page, ["Walk the dog"], [])
    wait_saved(tmp_path, [("Walk the dog", False)])


def test_items_added_in_two_windows_at_the_same_moment_are_both_kept(serve, windows, tmp_path):
    server = serve(SCRIPTS, env={"GIZMO_DATA_DIR": str(tmp_path)})
    texts = {windows.open(launch_todo(server)): "From the first window",
             windows.open(launch_todo(server)): "From the second window"}
    for handle, text in texts.items():
        with windows.inside(handle) as page:
            wait_text(page, "Nothing to do yet.")
            type_item(page, text)

    # Neither page takes a frame from now on, so each clicks Add on the empty
    # list it shows, before it can hear of the other's item: a session that
    # wrote back its own copy of the list would drop the other's item.
    for handle in texts:
        windows.hold(handle)
    for handle in texts:
        with windows.inside(handle) as page:
            click(page, "Add")
            assert column(page, "pending") == [], "the page heard of the other item before its own click"

    def both_saved(_):
        saved = saved_items(tmp_path) or []
        return sorted(saved) == sorted((text, False) for text in texts.values()) and saved

    try:
        saved = wait(None).until(both_saved)
    except Exception as error:
        raise AssertionError(f"the store should hold both items; it holds {saved_items(tmp_path)!r}") from error
    order = [text for text, _ in saved]  # whichever click the server took first comes first

    for handle, text in texts.items():
        windows.release(handle)
        with windows.inside(handle) as page:
            wait_text(page, f"Added: {text}")
            wait_columns(page, order, [])
