"""The harness's simulated page and Chromium agree: the same script, driven the
same way by `gizmolua test` (Tests/e2e/gizmos/drift/drift_test.lua) and by a
real browser here, shows the same text before and after the actions. When
gizmo.js learns a new command or changes how it builds the page, this test
fails until the simulated page (Sources/GizmoHarness) does the same."""

import re
import subprocess

from selenium.webdriver.common.by import By

from gizmo_support import BIN, GIZMOS, child_env, click, open_gizmo, wait_text

DRIFT = GIZMOS / "drift"


def normalized(text: str) -> str:
    """Whitespace differs in kind, not in meaning: compare the words."""
    return re.sub(r"\s+", " ", text).strip()


def harness_texts() -> dict[str, str]:
    result = subprocess.run([str(BIN), "test", str(DRIFT / "drift_test.lua")], capture_output=True, text=True,
                            timeout=120, env=child_env())
    assert result.returncode == 0, result.stdout + result.stderr
    blocks = dict(re.findall(r"<<<(\w+)\n(.*?)\n>>>", result.stdout, re.S))
    assert set(blocks) == {"before", "after"}, result.stdout
    return blocks


def page_text(page) -> str:
    return page.execute_script("return document.getElementById('gz-root').innerText")


def test_the_simulated_page_shows_what_chromium_shows(gizmo, page):
    expected = harness_texts()
    run = gizmo(DRIFT / "drift.lua")
    open_gizmo(page, run.url)
    wait_text(page, "nothing yet")
    assert normalized(page_text(page)) == normalized(expected["before"])

    field = page.find_element(By.CSS_SELECTOR, "input[placeholder='Your words']")
    field.send_keys("hello <b>& world")
    click(page, "Apply")
    wait_text(page, "you said: hello <b>& world")
    assert normalized(page_text(page)) == normalized(expected["after"])
