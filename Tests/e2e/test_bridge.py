"""The page bridge (js_file, css_file, add_content) and errors in the main
code that must stop `gizmolua run` at the script's line."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from selenium.webdriver.common.by import By

from gizmo_support import (
    GIZMOS,
    click,
    http_get,
    line_of,
    nonempty_lines,
    open_gizmo,
    run_to_exit,
    wait,
    wait_connected,
    wait_text,
)

BRIDGE = GIZMOS / "bridge"
RUN_ARGS = ("--no-browser", "--port", "0", "--grace", "2")


def styled_color(page) -> str:
    return page.execute_script(
        "return getComputedStyle(document.querySelector('.bridge-styled')).color;"
    )


def test_js_file_defines_a_function_that_get_calls(gizmo, page):
    run = gizmo(BRIDGE / "bridge.lua")
    open_gizmo(page, run.url)
    wait_text(page, "sum: -")

    click(page, "Add 2 and 3")
    wait_text(page, "5")


def test_css_file_styles_the_page(gizmo, page):
    run = gizmo(BRIDGE / "bridge.lua")
    open_gizmo(page, run.url)
    wait_text(page, "styled by style.css")
    wait(page).until(
        lambda d: styled_color(d) == "rgb(1, 2, 3)",
        message="the rule of style.css does not apply to .bridge-styled",
    )


def test_add_content_serves_the_file_at_the_returned_url(gizmo, page):
    run = gizmo(BRIDGE / "bridge.lua")
    open_gizmo(page, run.url)
    shown = wait(page).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".bridge-data-url").get_attribute("textContent"),
        message="the URL add_content returned is not shown",
    )

    status, body = http_get(urljoin(run.url, shown))
    assert status == 200
    assert body == (BRIDGE / "data.txt").read_text()

    # The page itself can fetch it at that relative URL, as text/plain.
    fetched = page.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async r => done([r.status, r.headers.get('content-type'), await r.text()]),
                                 e => done([0, '', String(e)]));
        """,
        shown,
    )
    assert fetched[0] == 200, fetched
    assert fetched[1].startswith("text/plain"), fetched
    assert fetched[2] == (BRIDGE / "data.txt").read_text()


def test_bridge_files_come_back_after_a_reload(gizmo, page):
    run = gizmo(BRIDGE / "bridge.lua")
    open_gizmo(page, run.url)
    wait_text(page, "sum: -")

    page.refresh()
    wait_connected(page)
    wait_text(page, "sum: -")
    wait(page).until(
        lambda d: styled_color(d) == "rgb(1, 2, 3)",
        message="style.css does not apply after a reload",
    )
    click(page, "Add 2 and 3")
    wait_text(page, "5")


def assert_one_error_line(result, pattern: str) -> str:
    """Exit status 1 and a stderr line matching `pattern`, which is the only line."""
    assert result.returncode == 1, f"exit status {result.returncode}\nstderr:\n{result.stderr}"
    assert "GIZMO_LINK" not in result.stdout, result.stdout
    lines = nonempty_lines(result.stderr)
    matching = [line for line in lines if re.search(pattern, line)]
    assert matching, f"no stderr line matches {pattern!r}; stderr:\n{result.stderr}"
    others = [line for line in lines if line != matching[0]]
    assert not others, f"the error line {matching[0]!r} is not alone on stderr; also: {others!r}"
    return matching[0]


def test_js_file_of_a_missing_file_fails_at_the_call():
    script = BRIDGE / "bridge_missing.lua"
    line = line_of(script, 'js_file("nope.js")')
    result = run_to_exit("run", str(script), *RUN_ARGS)

    error = assert_one_error_line(result, rf"bridge_missing\.lua:{line}: ")
    assert "js_file" in error, error
    assert "nope.js" in error, error


def test_template_put_with_an_unknown_class_fails_at_the_call():
    script = GIZMOS / "template_error.lua"
    line = line_of(script, ':put(gz.Text("lost"), "middle")')
    result = run_to_exit("run", str(script), *RUN_ARGS)

    error = assert_one_error_line(result, rf"template_error\.lua:{line}: ")
    assert "middle" in error, error
