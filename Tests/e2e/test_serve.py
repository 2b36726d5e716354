"""`gizmolua serve scripts/`: entry pages in a browser, launches, the direct
script URL with server and port, independent sessions, and `gizmolua list`."""

from __future__ import annotations

import re
import shlex
import time
import urllib.error

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from gizmo_support import (
    REPO,
    http_get,
    nonempty_lines,
    open_gizmo,
    run_to_exit,
    save_screenshot,
    wait,
    wait_connected,
    wait_text,
)

SCRIPTS = REPO / "scripts"
DEMOS = "some_gizmo_demos"


def links(page) -> dict[str, str]:
    """Link text -> href of the entry page."""
    return {a.text.strip(): a.get_attribute("href") for a in page.find_elements(By.TAG_NAME, "a")}


def session_id(url: str) -> str:
    match = re.search(r"/gizmo/http/(MGR_\d+_\d+)/index\.html$", url)
    assert match, f"not a child page: {url}"
    return match.group(1)


def test_the_entry_page_lists_modules_and_a_script_link_opens_the_gizmo(serve, page):
    server = serve(SCRIPTS)
    page.get(server.url)
    heading = page.find_element(By.CSS_SELECTOR, f"#module-{DEMOS} h2 a")
    assert heading.text == DEMOS
    shown = links(page)
    for script in ("hello_curves", "hello_env", "simple_todo"):
        assert shown[script].endswith(f"?module={DEMOS}&script={script}"), shown
    # The page fills in the prefix line from its own address.
    assert page.find_element(By.ID, "gz-prefix").text == f"export GIZMO_LINK_PREFIX={server.url}"
    # The picture shows the line as `make serve` prints it, not this test's port.
    page.execute_script(
        "document.getElementById('gz-prefix').textContent = 'export GIZMO_LINK_PREFIX=http://localhost:9898/'"
    )
    save_screenshot(page, "entry_page")

    page.find_element(By.LINK_TEXT, "hello_curves").click()
    wait_connected(page)
    session_id(page.current_url)
    wait_text(page, "drawn 1 times")
    page.find_elements(By.CSS_SELECTOR, "input.gz-slider")[0].send_keys(Keys.ARROW_RIGHT)
    wait_text(page, "drawn 2 times")


def test_a_module_page_shows_docs_and_opens_a_script(serve, page):
    server = serve(SCRIPTS)
    page.get(server.url)
    page.find_element(By.LINK_TEXT, DEMOS).click()
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == DEMOS)
    body = page.find_element(By.TAG_NAME, "main").text
    assert "a to-do list that remembers its items" in body  # init.lua's description
    assert "Show the environment this gizmo runs in" in body  # hello_env's doc
    page.find_element(By.LINK_TEXT, "Open hello_env").click()
    wait_connected(page)
    assert "Hello environment" in page.find_element(By.TAG_NAME, "h1").text
    page.back()
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == DEMOS)
    page.find_element(By.LINK_TEXT, "All gizmos").click()
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Gizmos")


def test_the_direct_script_url_with_server_and_port_opens_the_gizmo(serve, page):
    server = serve(SCRIPTS)
    page.get(f"{server.url}?server=localhost&port=5656&module={DEMOS}&script=hello_curves")
    wait_connected(page)
    assert page.current_url.startswith(server.url + "gizmo/http/MGR_")
    wait_text(page, "drawn 1 times")
    # The pages show the prefix that server and port describe, and keep them on links.
    page.get(f"{server.url}?server=localhost&port=5656")
    assert page.find_element(By.ID, "gz-prefix").text == "export GIZMO_LINK_PREFIX=http://localhost:5656/"
    assert links(page)["hello_curves"].endswith("script=hello_curves&server=localhost&port=5656")


def test_two_sessions_of_a_script_are_independent(serve, page):
    # hello_curves counts its draws in the session's own Lua state. (The
    # todo list is shared by design: its sessions share the module's store,
    # test_todo.py.)
    server = serve(SCRIPTS)
    launch = f"{server.url}?module={DEMOS}&script=hello_curves"
    first_tab = page.current_window_handle
    open_gizmo(page, launch)
    first = session_id(page.current_url)
    wait_text(page, "drawn 1 times")

    page.switch_to.new_window("tab")
    try:
        open_gizmo(page, launch)
        second = session_id(page.current_url)
        assert second != first
        wait_text(page, "drawn 1 times")  # a new state, not the first one's
        page.find_elements(By.CSS_SELECTOR, "input.gz-slider")[0].send_keys(Keys.ARROW_RIGHT)
        wait_text(page, "drawn 2 times")
    finally:
        page.close()
        page.switch_to.window(first_tab)
    # The first session counts only its own draws: one more is 2, not 3.
    page.find_elements(By.CSS_SELECTOR, "input.gz-slider")[0].send_keys(Keys.ARROW_RIGHT)
    wait_text(page, "drawn 2 times")


def test_a_session_ends_after_its_page_has_gone_for_the_grace(serve, page):
    server = serve(SCRIPTS, grace="1")
    open_gizmo(page, f"{server.url}?module={DEMOS}&script=hello_env")
    child = page.current_url
    assert http_get(child)[0] == 200
    page.get("about:blank")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            http_get(child)
        except urllib.error.HTTPError as error:
            assert error.code == 404
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the session outlived its page by more than 10 s with --grace 1")
    assert server.proc.poll() is None  # the server goes on


def test_unknown_names_get_a_404_page_that_lists_what_exists(serve, page):
    server = serve(SCRIPTS)
    page.get(f"{server.url}?module=nope%3Cb%3E")
    assert page.find_element(By.TAG_NAME, "h1").text == "No such module"
    assert "nope<b>" in page.find_element(By.TAG_NAME, "main").text  # shown as text, not markup
    page.find_element(By.LINK_TEXT, DEMOS).click()
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == DEMOS)


def test_a_script_that_fails_as_it_starts_shows_its_error_on_its_page(serve, page, tmp_path):
    """The entry redirects before the script's main code has run; the child
    page waits for it and shows the error, escaped, with the way back."""
    module = tmp_path / "starts"
    module.mkdir()
    (module / "fails.lua").write_text("-- Fails at once.\nerror('no <b>luck</b> here')\n")
    server = serve(tmp_path)
    page.get(f"{server.url}?module=starts&script=fails")
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "fails failed to start")
    session_id(page.current_url)  # the child page's address tells it
    assert "fails.lua:2: no <b>luck</b> here" in page.find_element(By.TAG_NAME, "pre").text
    page.find_element(By.LINK_TEXT, "Back to starts").click()
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "starts")
    assert "fails" in links(page)


def test_serve_fails_in_one_line_for_a_missing_folder_and_a_port_in_use(serve):
    missing = run_to_exit("serve", "no/such/folder")
    assert missing.returncode != 0
    assert nonempty_lines(missing.stderr) == ["gizmolua: no/such/folder: no such folder"]

    server = serve(SCRIPTS)
    port = server.url.rstrip("/").rsplit(":", 1)[1]
    clash = run_to_exit("serve", str(SCRIPTS), "--port", port)
    assert clash.returncode != 0
    lines = nonempty_lines(clash.stderr)
    assert len(lines) == 1 and f"port {port}" in lines[0] and "in use" in lines[0], clash.stderr


def test_list_prints_commands_to_paste():
    modules = run_to_exit("list", "scripts")
    assert modules.returncode == 0, modules.stderr
    line = next(l for l in modules.stdout.splitlines() if f" {DEMOS} " in l + " ")
    command, _, comment = line.partition("  # ")
    assert shlex.split(command) == ["gizmolua", "list", "scripts", DEMOS]
    assert "to-do list" in comment

    scripts = run_to_exit("list", "scripts", DEMOS)
    assert scripts.returncode == 0, scripts.stderr
    runs = [l for l in scripts.stdout.splitlines() if l.startswith("gizmolua run ")]
    assert [shlex.split(l.partition("  # ")[0])[2] for l in runs] == [
        f"scripts/{DEMOS}/hello_curves.lua",
        f"scripts/{DEMOS}/hello_env.lua",
        f"scripts/{DEMOS}/simple_todo.lua",
    ]
    for l in runs:  # each pasted command is a real file
        assert (REPO / shlex.split(l.partition("  # ")[0])[2]).is_file()

    unknown = run_to_exit("list", "scripts", "nope")
    assert unknown.returncode != 0
    assert len(nonempty_lines(unknown.stderr)) == 1 and DEMOS in unknown.stderr
