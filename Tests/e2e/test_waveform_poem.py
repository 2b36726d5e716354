"""The waveform_poem demo: a player the page made, reached from Lua through
proxies (`wave.element.player:on("ready", fn)`), with Lua functions as its
event callbacks."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from gizmo_support import REPO, button, click, open_gizmo, save_screenshot, wait, wait_connected

POEM = REPO / "scripts" / "waveform_poem" / "waveform_poem.lua"
LABELS = ("Attach", "Play", "Pause")

# Runs in the page before any of its own scripts: after every DOM change it
# notes the buttons' disabled flags, the status line and whether the player
# has reported "ready" yet, so the test sees the order of events even when
# the recording is ready before its first look at the page.
RECORDER = """
window.poemLog = [];
new MutationObserver(() => {
  const buttons = [...document.querySelectorAll("button.gz-button")];
  const status = document.querySelector(".poem-status");
  if (buttons.length === 0 || !status) return;
  const player = window.poemPlayer;
  const entry = {
    disabled: buttons.map((b) => b.disabled),
    status: status.textContent,
    playerReady: Boolean(player && player.settled && player.settled.event === "ready"),
  };
  const last = window.poemLog[window.poemLog.length - 1];
  if (!last || JSON.stringify(last) !== JSON.stringify(entry)) window.poemLog.push(entry);
}).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
"""


@pytest.fixture
def recorded(page):
    """The page, with RECORDER run in every document it loads during the test."""
    script = page.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    yield page
    page.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


def status(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".poem-status").get_attribute("textContent")


def wait_status(driver, prefix: str) -> str:
    wait(driver).until(
        lambda d: status(d).startswith(prefix),
        message=f"the status never started with {prefix!r}",
    )
    return status(driver)


def player(driver, expression: str):
    """The value of `expression` (a method call) on the page's player."""
    return driver.execute_script(f"return document.querySelector('.poem-wave').player.{expression};")


def wait_ready(driver) -> None:
    wait_status(driver, "ready: ")
    for label in LABELS[1:]:
        button(driver, label)  # waits until it is enabled


def canvases(driver):
    return driver.find_elements(By.CSS_SELECTOR, ".poem-wave canvas.waveplayer")


def seek_to(driver, fraction: float) -> None:
    """Click the waveform `fraction` of the way along it."""
    canvas = canvases(driver)[0]
    offset = int((fraction - 0.5) * canvas.size["width"])  # from the middle
    ActionChains(driver).move_to_element_with_offset(canvas, offset, 0).click().perform()


def test_buttons_wait_for_ready_then_play_and_pause(gizmo, recorded):
    page = recorded
    run = gizmo(POEM)
    open_gizmo(page, run.url)
    wait_ready(page)
    duration = player(page, "duration()")
    assert status(page) == f"ready: {duration:.1f} s"

    log = page.execute_script("return window.poemLog;")
    assert log, "the recorder saw no buttons"
    assert log[0]["disabled"] == [True, True, True], log[0]
    assert log[0]["status"] == "loading the recording", log[0]
    enabled = next(i for i, entry in enumerate(log) if not any(entry["disabled"]))
    assert all(entry["disabled"] == [True, True, True] for entry in log[:enabled]), log
    # Enabled by the Lua callback of the player's "ready", so only after it.
    assert log[enabled]["playerReady"], log
    assert log[enabled]["status"].startswith("ready: "), log
    assert all(entry["playerReady"] for entry in log if entry["status"].startswith("ready")), log

    assert not canvases(page), "the waveform is in the page before Attach"
    click(page, "Attach")
    wait(page).until(lambda d: canvases(d), message="Attach put no waveform into the page")
    wait(page).until(lambda d: not d.find_element(By.XPATH, "//button[normalize-space()='Attach']").is_enabled())

    # A click on the waveform seeks there: 40% into the recording.
    seek_to(page, 0.4)
    assert player(page, "currentTime()") == pytest.approx(0.4 * duration, abs=0.02 * duration)
    # The README picture, taken before playing so it is the same every run:
    # the waveform, the part before the cursor and the cursor.
    ActionChains(page).move_to_element(page.find_element(By.TAG_NAME, "h1")).perform()
    save_screenshot(page, "waveform_poem")

    click(page, "Play")
    wait_status(page, "playing")
    start = player(page, "currentTime()")
    assert start >= 0.4 * duration - 0.5, "Play did not start where the click put the cursor"
    wait(page).until(
        lambda d: player(d, "currentTime()") > start + 0.3,
        message="currentTime does not advance while playing",
    )

    click(page, "Pause")
    paused = wait_status(page, "paused at ")
    stopped = player(page, "currentTime()")
    assert paused == f"paused at {stopped:.1f} s"
    time.sleep(0.5)
    assert player(page, "currentTime()") == stopped
    assert player(page, "isPlaying()") is False



def test_after_a_reload_the_new_player_reports_to_lua(gizmo, page):
    run = gizmo(POEM)
    open_gizmo(page, run.url)
    wait_ready(page)
    click(page, "Attach")
    wait(page).until(lambda d: canvases(d), message="Attach put no waveform into the page")

    page.refresh()
    wait_connected(page)
    wait_ready(page)
    assert canvases(page), "the waveform is not attached again after the reload"
    assert not page.find_element(By.XPATH, "//button[normalize-space()='Attach']").is_enabled()

    # Seek near the end and play to it: "finish" comes from the new player
    # to the Lua callback.
    seek_to(page, 0.95)
    click(page, "Play")
    wait_status(page, "finished")
    assert player(page, "isPlaying()") is False
