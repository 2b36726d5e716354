"""The system_monitor demo in Chromium: its service reads this machine's
/proc once a second (granted with --allow-read=/proc) and every page shows
the same live CPU and memory figures; without the grant, the module's page
says which flag to add."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from gizmo_support import REPO, save_screenshot, wait
from process_support import wait_module_page_says

MODULE = REPO / "scripts" / "system_monitor"
CPU = re.compile(r"^CPU: (\d+\.\d)% of (\d+) cores$")
MEMORY = re.compile(r"^Memory: (\d+\.\d) of (\d+\.\d) GiB used \((\d+\.\d)%\)$")
LONG_WAIT = 60


def text_of(page, css: str) -> str:
    found = page.find_elements(By.CSS_SELECTOR, css)
    return found[0].get_attribute("textContent").strip() if found else ""


def test_two_pages_show_live_figures_of_this_machine(serve, windows, tmp_path):
    server = serve(MODULE, extra_args=("--allow-read=/proc",), env={"GIZMO_DATA_DIR": str(tmp_path)})
    url = f"{server.url}?module=system_monitor&script=system_monitor"
    pages = [windows.open(url) for _ in range(2)]
    cores = sum(1 for line in open("/proc/stat") if re.match(r"cpu\d+ ", line))
    total_gib = int(re.search(r"MemTotal:\s+(\d+) kB", open("/proc/meminfo").read()).group(1)) / (1 << 20)
    for handle in pages:
        with windows.inside(handle) as page:
            wait(page, LONG_WAIT).until(lambda d: CPU.match(text_of(d, ".sys-cpu")),
                                        message=f"no CPU figure: {text_of(page, '.sys-cpu')!r}")
            cpu = CPU.match(text_of(page, ".sys-cpu"))
            assert int(cpu.group(2)) == cores and 0 <= float(cpu.group(1)) <= 100, cpu.group(0)
            memory = MEMORY.match(text_of(page, ".sys-memory"))
            assert memory, text_of(page, ".sys-memory")
            assert abs(float(memory.group(2)) - total_gib) < 0.1, (memory.group(0), total_gib)
            assert text_of(page, ".sys-load").startswith("Load average: ")
    # Live: the figures are a new sample's a few seconds later (the load text carries the running tasks).
    with windows.inside(pages[0]) as page:
        first = text_of(page, ".sys-memory") + text_of(page, ".sys-load") + text_of(page, ".sys-cpu")
        wait(page, LONG_WAIT).until(
            lambda d: text_of(d, ".sys-memory") + text_of(d, ".sys-load") + text_of(d, ".sys-cpu") != first,
            message="the figures did not change")
        wait(page, LONG_WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "svg polyline, svg path")) >= 2,
                                    message="the plot has no lines")
        save_screenshot(page, "system_monitor")


def test_without_its_grant_the_service_says_which_flag_to_add(serve, tmp_path):
    server = serve(MODULE, env={"GIZMO_DATA_DIR": str(tmp_path)})
    wait_module_page_says(server, "system_monitor", "gz.read_file: /proc/stat is outside the data folder and the "
                          "script's folder; start gizmolua with --allow-read=/proc/stat")
