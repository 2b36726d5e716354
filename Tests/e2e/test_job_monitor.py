"""The job_monitor demo from start to finish in Chromium: its service starts
a real process (scripts/job_monitor/train.sh) and feeds every page from its
output; the buttons of any page pause (STOP), resume (CONT), stop (TERM) and
restart the real process, as /proc shows; closing every page leaves the job
running, and a page opened later attaches to it."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from gizmo_support import REPO, save_screenshot, wait
from process_support import process_state, wait_module_page_says
from store_support import read_key

MODULE = REPO / "scripts" / "job_monitor"
JOB = MODULE / "train.sh"
STATE = re.compile(r"^Run (\d+): (Running|Paused|Ended)(?: \(([^)]*)\))?(?:, pid (\d+))?$")
STEP = re.compile(r"^step (\d+) of (\d+), loss (\S+)$")
LONG_WAIT = 60  # seconds: the job prints ten lines a second, but machines are busy


def launch(server) -> str:
    return f"{server.url}?module=job_monitor&script=job_monitor"


def text_of(page, css: str) -> str:
    found = page.find_elements(By.CSS_SELECTOR, css)
    return found[0].get_attribute("textContent").strip() if found else ""


def state_of(page):
    """(run, state, result, pid) as the page shows them, or None."""
    match = STATE.match(text_of(page, ".job-state"))
    if not match:
        return None
    run, state, result, pid = match.groups()
    return int(run), state, result, int(pid) if pid else None


def step_of(page) -> int:
    match = STEP.match(text_of(page, ".job-step"))
    return int(match.group(1)) if match else -1


def wait_state(page, state: str, run: int | None = None):
    def shown(driver):
        seen = state_of(driver)
        return seen if seen and seen[1] == state and (run is None or seen[0] == run) else False
    try:
        return wait(page, LONG_WAIT).until(shown)
    except Exception as error:
        raise AssertionError(f"the page should show {state!r} (run {run}); it shows {text_of(page, '.job-state')!r}") from error


def wait_step_past(page, step: int) -> int:
    wait(page, LONG_WAIT).until(lambda d: step_of(d) > step,
                                message=f"the step did not pass {step}: {text_of(page, '.job-step')!r}")
    return step_of(page)


def click(page, label: str) -> None:
    button = next(b for b in page.find_elements(By.CSS_SELECTOR, "button") if b.text == label)
    wait(page).until(lambda d: button.is_enabled(), message=f"{label} stayed disabled")
    button.click()


def wait_process(page, pid: int, want, what: str) -> None:
    wait(page, LONG_WAIT).until(lambda d: want(process_state(pid)), message=f"process {pid} is not {what}: {process_state(pid)}")


def test_three_pages_drive_one_real_job(serve, windows, tmp_path):
    server = serve(MODULE, extra_args=(f"--allow-run={JOB}",),
                   env={"GIZMO_DATA_DIR": str(tmp_path), "JOB_STEPS": "100000"})
    pages = [windows.open(launch(server)) for _ in range(3)]

    # The service started run 1 at once; every page shows the same process, moving.
    pids = set()
    for handle in pages:
        with windows.inside(handle) as page:
            run, _, _, pid = wait_state(page, "Running", run=1)
            pids.add(pid)
            wait_step_past(page, 0)
    (pid,) = pids
    assert process_state(pid) in ("R", "S"), process_state(pid)
    with windows.inside(pages[0]) as page:
        wait(page, LONG_WAIT).until(lambda d: "starting: 100000 steps" in text_of(d, ".gz-log"),
                                    message="the job's first line is not in the log")

    # Pause on one page: the real process is stopped (state T), every page says so.
    with windows.inside(pages[0]) as page:
        click(page, "Pause")
        wait_process(page, pid, lambda s: s == "T", "stopped")
    for handle in pages:
        with windows.inside(handle) as page:
            wait_state(page, "Paused", run=1)

    # Resume on another page: it runs again and its steps go on.
    with windows.inside(pages[1]) as page:
        click(page, "Resume")
        wait_state(page, "Running", run=1)
        wait_process(page, pid, lambda s: s in ("R", "S"), "running")
        wait_step_past(page, step_of(page))

    # Stop on the third: TERM ends it (train.sh says so in its last line), and the process is gone.
    with windows.inside(pages[2]) as page:
        click(page, "Stop")
        run, _, result, shown_pid = wait_state(page, "Ended", run=1)
        assert result == "stopped" and shown_pid is None, (result, shown_pid)
        wait_process(page, pid, lambda s: s is None, "gone")
        wait(page, LONG_WAIT).until(lambda d: "stopped by TERM at step" in text_of(d, ".gz-log"),
                                    message="the job's last line is not in the log")
        wait(page, LONG_WAIT).until(lambda d: "Run 1: stopped" in text_of(d, ".job-runs"),
                                    message="run 1 is not in the history")

    # Start again from the first page: run 2, a new process, on every page.
    with windows.inside(pages[0]) as page:
        click(page, "Start")
        _, _, _, second = wait_state(page, "Running", run=2)
        assert second != pid
        wait_step_past(page, 0)
        save_screenshot(page, "job_monitor")

    # Every page closes: the job goes on (it belongs to the service, not to a page).
    windows.close_all()
    before = read_key(tmp_path, "job_monitor", "status")["step"]
    assert process_state(second) in ("R", "S")

    # A page opened later attaches to the same run and sees it move on.
    late = windows.open(launch(server))
    with windows.inside(late) as page:
        run, state, _, shown = wait_state(page, "Running", run=2)
        assert shown == second
        wait_step_past(page, before)
        assert len(page.find_elements(By.CSS_SELECTOR, ".job-run")) == 1


def test_without_its_grant_the_service_says_which_flag_to_add(serve, tmp_path):
    server = serve(MODULE, env={"GIZMO_DATA_DIR": str(tmp_path)})
    wait_module_page_says(server, "job_monitor",
                          f'gz.spawn: running "./train.sh" is not allowed; start gizmolua with --allow-run={JOB.resolve()}')
