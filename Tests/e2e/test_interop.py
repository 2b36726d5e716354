"""Interoperability with the real H5Gizmos (from PyPI), both ways, in Chromium.

- A `gizmolua run` gizmo started with GIZMO_LINK_PREFIX pointing at H5Gizmos'
  own `gizmo_link` proxy works through it (it forwards text frames only,
  which is why the gizmo protocol is text only).
- A Python H5Gizmos gizmo started with GIZMO_LINK_PREFIX pointing at
  `gizmolua serve` works through gizmolua's /connect/ proxy.

H5Gizmos comes from Tests/e2e/requirements.txt (`make test-deps`).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from gizmo_support import GIZMOS, REPO, child_env, click, open_gizmo, start_command, wait, wait_text

# The interpreter running the tests: its environment has H5Gizmos.
PYTHON = sys.executable
# gizmobench's H5Gizmos side (Sources/gizmobench/h5gizmos), run here as
# scripts: GizmoLink on loopback only (H5Gizmos' `gizmo_link PORT` console
# script serves the same application on all interfaces), and the click
# counter, a Button that changes a Text.
BENCH_H5 = REPO / "Sources" / "gizmobench" / "h5gizmos" / "bench_h5"
GIZMO_LINK = BENCH_H5 / "link.py"
CLICK_COUNTER_H5 = BENCH_H5 / "click_counter.py"
START_TIMEOUT = 30  # seconds for gizmo_link to accept connections


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def gizmo_link():
    """H5Gizmos' GizmoLink proxy on a free loopback port; yields the
    GIZMO_LINK_PREFIX that points at it."""
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(
            [PYTHON, str(GIZMO_LINK), str(port)],
            cwd=REPO, env=child_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not accepts(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"gizmo_link did not start on port {port}:\n{log.read()}")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}/"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@pytest.fixture
def h5gizmo():
    """A factory: `h5gizmo(prefix)` starts the click counter with GIZMO_LINK_PREFIX
    and waits for its GIZMO_LINK line; stopped when the test ends."""
    started = []

    def start(prefix: str):
        process = start_command([PYTHON, "-u", str(CLICK_COUNTER_H5)], env={"GIZMO_LINK_PREFIX": prefix})
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def test_a_gizmolua_gizmo_works_through_h5gizmos_gizmo_link(gizmo, gizmo_link, page):
    run = gizmo(GIZMOS / "click_counter.lua", env={"GIZMO_LINK_PREFIX": gizmo_link})
    assert run.url.startswith(f"{gizmo_link}connect/"), run.url
    open_gizmo(page, run.url)
    assert page.current_url == run.url  # the page and its WebSocket go through gizmo_link
    click(page, "Click me")
    wait_text(page, "clicked 1")
    click(page, "Click me")
    wait_text(page, "clicked 2")


def test_an_h5gizmos_gizmo_works_through_gizmolua_connect(serve, h5gizmo, page):
    server = serve(REPO / "scripts")
    h5 = h5gizmo(server.url)
    assert h5.url.startswith(f"{server.url}connect/"), h5.url
    page.get(h5.url)
    button = wait(page).until(
        EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Click me']")),
        message="the H5Gizmos page never showed its button (its scripts or WebSocket did not come through)",
    )
    button.click()
    wait(page).until(
        EC.presence_of_element_located((By.XPATH, "//*[normalize-space(text())='clicked 1']")),
        message="the click did not reach the H5Gizmos gizmo and back",
    )
    button.click()
    wait(page).until(EC.presence_of_element_located((By.XPATH, "//*[normalize-space(text())='clicked 2']")))
