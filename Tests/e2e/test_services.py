"""A module's service (its init.lua, run once per server) when it fails: the
error is logged with file:line, shown on the module's entry page (class
gz-service-error) and as a notice in the tray of the module's open pages
(class gz-notice), while the pages keep working; saving a fixed init.lua
restarts the service. A service has no page: a component call is such an
error too."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By

from gizmo_support import click, line_of, open_gizmo, wait, wait_text
from test_hot_reload import save

MODULE = "served"

# A service that says which version of it runs, through the store.
GOOD_SERVICE = """\
-- A module whose service tells its pages which version of it runs.
local gz = require("gizmo")
gz.store.set("version", "{version}")
"""

TIMER_FAILS = """\
-- A module whose service fails in a timer.
local gz = require("gizmo")
gz.store.set("version", "broken")
gz.after(0, function()
    error("the service's timer broke")
end)
"""

MAKES_A_BUTTON = """\
-- A module whose service tries to make a component.
local gz = require("gizmo")
local button = gz.Button("Nobody sees me")
"""

# The page: shows the service's version, and answers clicks on its own.
PAGE = """\
-- Shows which version of the service runs; Ping answers from this session.
local gz = require("gizmo")
local version = gz.Text("no service yet")
local pongs = gz.Text("no pong yet")
local count = 0
gz.store.watch("version", function(v) version:text("service " .. tostring(v)) end)
gz.Stack({
    version,
    gz.Button("Ping", { on_click = function() count = count + 1; pongs:text("pong " .. count) end }),
    pongs,
}):show()
"""


def module(tmp_path: Path, service: str) -> tuple[Path, Path]:
    """A catalog holding the module; its init.lua's path."""
    folder = tmp_path / "scripts" / MODULE
    folder.mkdir(parents=True)
    (folder / "page.lua").write_text(PAGE)
    init = folder / "init.lua"
    init.write_text(service)
    return folder.parent, init


def service_error(page, server) -> str:
    """The text of the entry page's service error; "" when it shows none."""
    page.get(f"{server.url}?module={MODULE}")
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == MODULE)
    found = page.find_elements(By.CSS_SELECTOR, ".gz-service-error")
    return found[0].text if found else ""


def notices(page) -> list[str]:
    return [e.get_attribute("textContent") or ""
            for e in page.find_elements(By.CSS_SELECTOR, "#gz-tray .gz-tray-entry.gz-notice .gz-tray-msg")]


def wait_notice(page, needle: str) -> str:
    try:
        return wait(page, 30).until(lambda d: next((n for n in notices(d) if needle in n), False))
    except Exception as error:
        raise AssertionError(f"no notice in the tray holds {needle!r}; notices: {notices(page)!r}") from error


def ping(page, expected: int) -> None:
    click(page, "Ping")
    wait_text(page, f"pong {expected}")


def test_a_failing_service_shows_its_error_and_a_fixed_one_restarts(serve, windows, tmp_path):
    root, init = module(tmp_path, GOOD_SERVICE.format(version="one"))
    server = serve(root, env={"GIZMO_DATA_DIR": str(tmp_path / "data")})
    board = windows.open(f"{server.url}?module={MODULE}&script=page")
    entry = windows.open(server.url, gizmo=False)
    with windows.inside(board) as page:
        wait_text(page, "service one")
        ping(page, 1)
    with windows.inside(entry) as page:
        assert service_error(page, server) == ""

    # The timer fails: a notice in the open page, which goes on answering.
    save(init, TIMER_FAILS)
    where = f"init.lua:{line_of(init, 'timer broke')}"
    with windows.inside(board) as page:
        wait_text(page, "service broken")  # the new run started
        notice = wait_notice(page, "the service's timer broke")
        assert notice.startswith("The module's service"), notice
        assert where in notice, notice
        ping(page, 2)
    with windows.inside(entry) as page:
        shown = service_error(page, server)
        assert "the service's timer broke" in shown and where in shown, shown
    log = server.wait_for_stderr(lambda e: where in e and "timer broke" in e)
    assert where in log, log

    # Fixed and saved: the service runs again, the entry page shows no error.
    save(init, GOOD_SERVICE.format(version="two"))
    with windows.inside(board) as page:
        wait_text(page, "service two")
        ping(page, 3)
    with windows.inside(entry) as page:
        wait(page, 30).until(lambda _: service_error(page, server) == "",
                             message="the entry page still shows the error of the service's last run")


def test_a_service_that_makes_a_component_gets_a_clear_error(serve, windows, tmp_path):
    root, init = module(tmp_path, GOOD_SERVICE.format(version="one"))
    server = serve(root, env={"GIZMO_DATA_DIR": str(tmp_path / "data")})
    board = windows.open(f"{server.url}?module={MODULE}&script=page")
    with windows.inside(board) as page:
        wait_text(page, "service one")

    save(init, MAKES_A_BUTTON)
    where = f"init.lua:{line_of(init, 'gz.Button')}"
    with windows.inside(board) as page:
        notice = wait_notice(page, "gz.Button: a module's service has no page")
        assert notice.startswith("The module's service"), notice
        assert where in notice, notice
        ping(page, 1)
        # One failure, one notice (the ping's answer came after any other).
        told = [n for n in notices(page) if "gz.Button" in n]
        assert len(told) == 1, told
        shown = service_error(page, server)  # this window leaves the gizmo for the entry page
    assert "gz.Button: a module's service has no page" in shown and where in shown, shown


def test_a_service_that_fails_at_start_shows_on_the_entry_page(serve, page, tmp_path):
    root, init = module(tmp_path, MAKES_A_BUTTON)
    server = serve(root, env={"GIZMO_DATA_DIR": str(tmp_path / "data")})
    where = f"init.lua:{line_of(init, 'gz.Button')}"
    shown = wait(page, 30).until(lambda _: service_error(page, server) or False)
    assert "a module's service has no page" in shown and where in shown, shown
    # Its scripts still run.
    open_gizmo(page, f"{server.url}?module={MODULE}&script=page")
    wait_text(page, "service nil")  # the watch's first call: the key has no value
    ping(page, 1)
