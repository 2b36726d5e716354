"""Fixtures for the gizmolua end-to-end tests.

Each test starts its own `gizmolua run SCRIPT --no-browser --port 0 --grace 2`
process (the `gizmo` factory), reads the ` GIZMO_LINK: <url> ` line from its
stdout, and, for the browser tests, opens that URL in one shared headless
Chromium driven through Debian's chromedriver.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from gizmo_support import CHROMEDRIVER, CHROMIUM, GIZMOS, GizmoProcess, start_gizmo, start_serve
from window_support import Windows


@pytest.fixture
def gizmo():
    """A factory: `gizmo(script, *args, env=..., port=..., grace=...)`.

    Every process it starts is stopped when the test ends.
    """
    started: list[GizmoProcess] = []

    def start(script, *extra_args, **kwargs) -> GizmoProcess:
        process = start_gizmo(script, *extra_args, **kwargs)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def serve(tmp_path_factory):
    """A factory: `serve(*folders, extra_args=(...), env=..., grace=...)` starts
    `gizmolua serve` on a free port; every server it starts is stopped when
    the test ends.

    Without a GIZMO_DATA_DIR in `env`, the server gets a temporary one: the
    modules' services start with the server (scripts/live_board writes its
    store every second) and must not write into this machine's home."""
    started: list[GizmoProcess] = []

    def start(*folders, **kwargs) -> GizmoProcess:
        env = dict(kwargs.pop("env", None) or {})
        env.setdefault("GIZMO_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        process = start_serve(*folders, env=env, **kwargs)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def counters(tmp_path) -> Path:
    """A module `counters` holding the click counter, for `serve`."""
    module = tmp_path / "counters"
    module.mkdir()
    shutil.copy(GIZMOS / "click_counter.lua", module / "click_counter.lua")
    return module


@pytest.fixture
def windows(page):
    """Extra browser windows, each on a session of its own (window_support.py);
    closed when the test ends."""
    opened = Windows(page)
    yield opened
    opened.close_all()


@pytest.fixture(scope="session")
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1200,900",
        # Leaving a page must close it: the back/forward cache would keep it,
        # and its WebSocket, alive in the background.
        "--disable-features=BackForwardCache",
    ):
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    chrome.set_window_size(1200, 900)
    yield chrome
    chrome.quit()


@pytest.fixture
def page(driver):
    """The shared browser, left on a blank page after the test.

    Leaving closes the child page's WebSocket, so each test starts clean.
    """
    yield driver
    try:
        driver.get("about:blank")
    except Exception:
        pass


