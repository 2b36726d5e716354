"""The README's opening example, as written there, against a real Python
job: its lines reach the log, its percentages move the progress bar, and
Stop ends the real process with TERM."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from gizmo_support import REPO, open_gizmo, wait
from process_support import alive

# A job as the example expects one: "epoch N: P% done" lines, then waits to be stopped.
TRAIN_PY = """\
import sys, time
for percent in range(0, 101, 10):
    print(f"epoch {percent // 10}: {percent}% done", flush=True)
print("waiting to be stopped", flush=True)
while True:
    time.sleep(1)
"""


def readme_example() -> str:
    readme = (REPO / "README.md").read_text()
    match = re.search(r"```lua\n(-- dashboard\.lua.*?)```", readme, re.S)
    assert match, "README.md no longer opens with dashboard.lua"
    return match.group(1)


def test_the_readme_example_follows_and_stops_a_real_job(gizmo, page, tmp_path):
    (tmp_path / "dashboard.lua").write_text(readme_example())
    (tmp_path / "train.py").write_text(TRAIN_PY)
    run = gizmo(tmp_path / "dashboard.lua", "--allow-run=python3", env={"GIZMO_DATA_DIR": str(tmp_path / "data")})
    open_gizmo(page, run.url)

    def text() -> str:
        return page.find_element(By.TAG_NAME, "body").get_attribute("textContent")

    wait(page, 60).until(lambda d: "waiting to be stopped" in text(), message=f"the job's lines did not show: {text()!r}")
    assert "epoch 10: 100% done" in text()
    progress = page.find_element(By.CSS_SELECTOR, "progress")
    assert float(progress.get_attribute("value")) == 100, progress.get_attribute("value")
    states = [e.get_attribute("textContent") for e in page.find_elements(By.CSS_SELECTOR, "[data-gz-id]")]
    pid = int(next(m.group(1) for t in states if (m := re.fullmatch(r"running, pid (\d+)", t.strip()))))
    assert alive(pid)

    next(b for b in page.find_elements(By.CSS_SELECTOR, "button") if b.text == "Stop").click()
    wait(page, 60).until(lambda d: "ended: TERM" in text(), message=f"Stop did not end the job: {text()!r}")
    wait(page, 60).until(lambda d: not alive(pid), message=f"process {pid} is still alive")
