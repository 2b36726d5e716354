"""Progress, Log and Plot:append in Chromium (gizmos/live_data.lua): the bar
shows its value, the log keeps its last lines and follows the end unless the
person scrolled up, the plot draws the points it was sent and a page that
joins later draws the same."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from gizmo_support import GIZMOS, click, open_gizmo, wait, wait_text

SCRIPT = GIZMOS / "live_data.lua"

AT_END_JS = "const el = arguments[0]; return el.scrollHeight - el.scrollTop - el.clientHeight <= 4;"


def start(gizmo, page):
    run = gizmo(SCRIPT)
    open_gizmo(page, run.url)
    wait_text(page, "clicks 0")
    return run


def clicked(page, label: str, count: int) -> None:
    click(page, label)
    wait_text(page, f"clicks {count}")


def log_lines(page) -> list[str]:
    text = page.find_element(By.CSS_SELECTOR, ".gz-log").get_attribute("textContent")
    return text.splitlines()


def path_points(page) -> int:
    d = page.find_element(By.CSS_SELECTOR, ".gz-plot-live").get_attribute("d") or ""
    return d.count("M") + d.count("L")


def test_progress_shows_its_value(gizmo, page):
    start(gizmo, page)
    bar = page.find_element(By.CSS_SELECTOR, ".gz-progress progress")
    assert bar.get_attribute("value") == "3" and bar.get_attribute("max") == "10"
    assert bar.get_attribute("aria-valuetext") == "Done 30%"
    assert page.find_element(By.CSS_SELECTOR, ".gz-progress-label").text == "Done 30%"
    clicked(page, "Advance", 1)
    bar = page.find_element(By.CSS_SELECTOR, ".gz-progress progress")
    assert bar.get_attribute("value") == "4"
    assert page.find_element(By.CSS_SELECTOR, ".gz-progress-label").text == "Done 40%"


def test_log_keeps_its_last_lines_and_follows_the_end_unless_scrolled_up(gizmo, page):
    start(gizmo, page)
    log = page.find_element(By.CSS_SELECTOR, ".gz-log")
    clicked(page, "Burst", 1)
    assert log_lines(page) == [f"line {i}" for i in range(81, 101)]
    assert page.execute_script(AT_END_JS, log), "the log did not follow the end"

    # Scrolled up to read: new lines do not pull the view down.
    page.execute_script("arguments[0].scrollTop = 0;", log)
    clicked(page, "Lines", 2)
    assert log_lines(page) == [f"line {i}" for i in range(86, 106)]
    assert not page.execute_script(AT_END_JS, log), "the log jumped to the end while scrolled up"

    # Back at the end: it follows again.
    page.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight;", log)
    clicked(page, "Lines", 3)
    assert log_lines(page)[-1] == "line 110"
    assert page.execute_script(AT_END_JS, log)


def test_plot_appends_and_a_late_page_draws_the_same(gizmo, page):
    run = start(gizmo, page)
    clicked(page, "Points", 1)
    wait(page).until(lambda d: path_points(d) == 10, message="the first ten points are not drawn")
    clicked(page, "Points", 2)
    wait(page).until(lambda d: path_points(d) == 20, message="the next ten points are not drawn")
    clicked(page, "Points", 3)  # 30 points, max_points = 25: the oldest five go
    wait(page).until(lambda d: path_points(d) == 25, message="max_points did not drop the oldest")
    assert "growing" in page.find_element(By.CSS_SELECTOR, ".gz-plot svg").get_attribute("aria-label")

    # A page that joins now (a reload) gets the kept points in its render.
    page.get(run.url)
    wait_text(page, "clicks 3")
    wait(page).until(lambda d: path_points(d) == 25, message="a late page does not draw the kept points")
    assert log_lines(page) == []
