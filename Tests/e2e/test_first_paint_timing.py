"""The first-paint helper of `make bench` (Sources/gizmobench/firstpaint/first_paint.py):
what it captures as the static copy of a page, what its watcher counts as the
text being shown, and its command line against a real `gizmolua serve`. No
figure is asserted here: the times belong to the bench."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gizmo_support import CHROMEDRIVER, CHROMIUM, REPO

HELPER = REPO / "Sources" / "gizmobench" / "firstpaint" / "first_paint.py"
sys.path.insert(0, str(HELPER.parent))
import first_paint  # noqa: E402

HELLO_ENV = REPO / "scripts" / "some_gizmo_demos" / "hello_env.lua"


@pytest.fixture
def files(tmp_path):
    """A static server on 127.0.0.1 for the files of a temp folder: (folder, base URL)."""
    folder = tmp_path / "files"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def first_paint_of(driver, url: str) -> tuple[dict, float]:
    """The helper's time for "Goodbye." at `url`, and the page's own
    `window.added` (when its script put the text in)."""
    with first_paint.watched_tab(driver, "Goodbye."):
        return first_paint.painted(driver, url, "Goodbye.", 30), driver.execute_script("return window.added;")


LATE_TEXT = """<!doctype html><html><head><style>p { color: teal }</style></head><body>
<script type="application/json">{"text": "Goodbye."}</script>
<template><p>Goodbye.</p></template>
<noscript>Goodbye.</noscript>
<p id="late">waiting</p>
<script>
  // The text as data first (above, and in this script); shown only later, %s.
  setTimeout(() => {
    window.added = performance.now();
    %s
  }, 50);
</script></body></html>"""


@pytest.mark.parametrize("how, show", [
    ("as a new element", 'const p = document.createElement("p"); p.textContent = "Goodbye."; document.body.append(p);'),
    ("as new text of a shown node", 'document.getElementById("late").firstChild.data = "Goodbye.";'),
], ids=["new element", "changed text"])
def test_watcher_times_the_text_once_shown_not_where_it_is_data(page, files, how, show):
    folder, base = files
    (folder / "late.html").write_text(LATE_TEXT % (how, show))
    result, added = first_paint_of(page, base + "late.html")
    # A script, template or noscript holding the text does not count: the
    # time is taken only after the page's script showed it, then a frame.
    assert added is not None
    assert result["in_dom_ms"] >= added
    assert result["ms"] >= result["in_dom_ms"]
    assert result["documents"] == 1 and result["redirected"] == 0


def test_capture_and_measure_a_gizmo_against_its_static_copy(serve, tmp_path, files):
    module = tmp_path / "bench"
    module.mkdir()
    shutil.copy(HELLO_ENV, module / "hello_env.lua")
    server = serve(module)
    entry = server.url.replace("localhost", "127.0.0.1").rstrip("/") + "/?module=bench&script=hello_env"
    folder, base = files
    copy = folder / "copy.html"
    common = [sys.executable, str(HELPER), "--chromium", CHROMIUM, "--chromedriver", CHROMEDRIVER]

    subprocess.run(common + ["capture", entry, "--out", str(copy)], check=True, timeout=120)
    html = copy.read_text()
    assert "Goodbye." in html and "Hello environment" in html
    assert "<script" not in html.lower()  # the copy cannot connect to anything
    assert 'class="gz-' in html  # the rendered components, with the page's CSS
    assert "<style>" in html

    figures = tmp_path / "first-paint.json"
    done = subprocess.run(common + ["measure", entry, base + "copy.html", "--rounds", "2", "--warmup", "0",
                                    "--json", str(figures)], check=True, timeout=180, capture_output=True, text=True)
    run = json.loads(figures.read_text())
    assert run["rounds"] == 2 and run["text"] == "Goodbye."
    gizmo, floor = run["pages"]
    assert (gizmo["url"], floor["url"]) == (entry, base + "copy.html")
    for measured in (gizmo, floor):
        assert len(measured["ms"]) == len(measured["in_dom_ms"]) == 2
        assert all(painted >= shown > 0 for painted, shown in zip(measured["ms"], measured["in_dom_ms"]))
        assert measured["documents"] == 1
    # The entry URL's 303 is part of the gizmo's navigation, timed from its start.
    assert gizmo["redirects"] == 1 and floor["redirects"] == 0
    assert "x the last URL's p50" in done.stdout
