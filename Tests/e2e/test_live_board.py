"""The live_board demo: its service (scripts/live_board/init.lua) runs once
per server and feeds every open board from timers through gz.store; three
pages, three sessions, all follow the same job, and a note posted in one
shows in the others."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from gizmo_support import REPO, open_gizmo, save_screenshot, wait
from store_support import MISSING, read_key
from test_todo import NEXT_FRAME_JS

SCRIPTS = REPO / "scripts"
MODULE = "live_board"
STATUS = re.compile(r"^Step (\d+), loss \d+\.\d{3} \(running\)$")
COUNT = re.compile(r"^(\d+) samples$")


def launch_board(server) -> str:
    return f"{server.url}?module={MODULE}&script=live_board"


def text_of(page, css_class: str) -> str:
    found = page.find_elements(By.CSS_SELECTOR, f".{css_class}")
    return found[0].get_attribute("textContent").strip() if found else ""


def shown_step(page) -> int:
    """The step the page's status shows; 0 before the first."""
    match = STATUS.match(text_of(page, "board-status"))
    return int(match.group(1)) if match else 0


def shown_samples(page) -> int:
    match = COUNT.match(text_of(page, "board-count"))
    return int(match.group(1)) if match else 0


def wait_step_past(page, step: int) -> int:
    try:
        wait(page, 30).until(lambda d: shown_step(d) > step)
    except Exception as error:
        raise AssertionError(
            f"the status should pass step {step}; it reads {text_of(page, 'board-status')!r}"
        ) from error
    return shown_step(page)


def test_the_service_feeds_three_open_boards(serve, windows, tmp_path):
    server = serve(SCRIPTS / MODULE, env={"GIZMO_DATA_DIR": str(tmp_path)})
    boards = [windows.open(launch_board(server)) for _ in range(3)]

    # Each page, a session of its own, sees the job move on: its status
    # passes the step it showed first, and its sample count grows with it.
    first_seen = {}
    for handle in boards:
        with windows.inside(handle) as page:
            first_seen[handle] = (wait_step_past(page, 0), shown_samples(page))
    later = max(step for step, _ in first_seen.values()) + 2
    for handle in boards:
        with windows.inside(handle) as page:
            wait_step_past(page, later)
            wait(page, 30).until(lambda d: shown_samples(d) > first_seen[handle][1],
                                 message="the sample count did not grow")

    # What the pages show is what the service wrote: a status and samples.
    status = read_key(tmp_path, MODULE, "status")
    samples = read_key(tmp_path, MODULE, "samples")  # read second: the service appends, then sets the status
    assert status is not MISSING and status["state"] == "running" and status["step"] >= later, status
    steps = [sample["step"] for sample in samples]
    assert steps == list(range(1, len(steps) + 1)) and steps[-1] >= status["step"], steps


def test_a_note_posted_on_one_board_shows_on_the_others(serve, windows, tmp_path):
    server = serve(SCRIPTS / MODULE, env={"GIZMO_DATA_DIR": str(tmp_path)})
    boards = [windows.open(launch_board(server)) for _ in range(3)]
    with windows.inside(boards[0]) as page:
        field = page.find_element(By.CSS_SELECTOR, "input.gz-input")
        field.click()
        field.send_keys("Nice drop in the first steps!")
        page.execute_async_script(NEXT_FRAME_JS)
        field.send_keys(Keys.ENTER)
    for handle in boards:
        with windows.inside(handle) as page:
            wait(page).until(
                lambda d: any(n.text.endswith("Nice drop in the first steps!")
                              for n in d.find_elements(By.CSS_SELECTOR, ".board-note")),
                message="the note did not show on every board",
            )
    assert [note["text"] for note in read_key(tmp_path, MODULE, "notes")] == ["Nice drop in the first steps!"]

    # A picture for the README, once the plot has a few points.
    with windows.inside(boards[1]) as page:
        wait_step_past(page, 5)
        save_screenshot(page, "live_board")


def test_run_starts_the_service_of_the_scripts_folder(gizmo, page, tmp_path):
    run = gizmo(SCRIPTS / MODULE / "live_board.lua", env={"GIZMO_DATA_DIR": str(tmp_path)})
    open_gizmo(page, run.url)
    wait_step_past(page, wait_step_past(page, 0))  # two steps: the service's timer runs
    assert read_key(tmp_path, MODULE, "status") is not MISSING
