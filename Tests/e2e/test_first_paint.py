"""The first paint: the child page arrives with the session's tree in its
HTML, and gizmo.js adopts those elements (listeners, js_init code, live data)
instead of building them; the socket then resumes after that render's frame.
What the browser's parser made of the HTML must be what a render builds:
each page here is compared with its own full render after a hot reload."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from gizmo_support import click, error_messages, http_get, open_gizmo, wait, wait_text

# Something of every kind of component, values that escape, a Template's
# slots, a Log's lines, a plot, js_init code and a head script.
EVERYTHING = r"""
local gz = require("gizmo")
local count = 0
local out = gz.Text("clicks: 0 <&> \"quoted\"", { css = { color = "teal", ["font-weight"] = 600 } })
local log = gz.Log({ keep = 5 })
for i = 1, 7 do log:append("line " .. i .. " <b>not bold</b>") end
local plot = gz.Plot({ width = 300, height = 150 })
plot:line({ 1, 2, 3, 4 }, { 1, 4, 9, 16 }, { label = "squares" })
local live = gz.Plot({ width = 300, height = 150 })
for step = 1, 20 do live:append("loss", step, 1 / step) end
local cols = gz.Template([[
<div class="cols"><section><h2>Left &amp; right</h2><div class="left"></div></section>
<div class="right"><em>right:</em></div></div>]])
cols:put(gz.Text("in the left slot"), "left"):put(gz.Text("in the right slot"), "right")
local marked = gz.Text("init pending")
marked:js_init("element.dataset.inits = String(Number(element.dataset.inits || 0) + 1); element.textContent = 'answer ' + window.answer;")
marked:js_file("answer.js")
gz.Stack({
    gz.Html("<h1 class='title' style='letter-spacing: 1px'>First <i>paint</i></h1>", { class = "big" }),
    out,
    gz.Button("Count", { on_click = function() count = count + 1; out:text("clicks: " .. count) end }),
    gz.Input("typed 'value' & more", { placeholder = "type" }),
    gz.Slider({ minimum = 0, maximum = 1, step = 0.1, value = 0.3 }),
    gz.CheckBoxes({ { "Apple", "a" }, { "Banana", "b" } }, { selected = { "b" } }),
    gz.RadioButtons({ { "X", "x" }, { "Y", "y" } }, { selected = "y" }),
    gz.DropDownSelect({ { "One", "1" }, { "Two", "2" } }, { selected = "2" }),
    gz.Progress({ value = 42, maximum = 120, label = "Epoch" }),
    cols, log, plot, live, marked,
    gz.Html("<pre>\nkept newline</pre>"),
}):show()
"""

TABLE = r"""
local gz = require("gizmo")
gz.Html("<table><tr><td>a cell</td></tr></table>"):show()
"""


def module(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "scripts" / "paint"
    folder.mkdir(parents=True)
    script = folder / "everything.lua"
    script.write_text(EVERYTHING)
    (folder / "answer.js").write_text("window.answer = 42;\n")
    (folder / "table.lua").write_text(TABLE)
    return folder.parent, script


# The tree as the DOM holds it: elements with their namespace, attributes
# sorted (class as its names, style as its properties, sorted: how an
# attribute was written does not matter, what it holds does; and a fresh
# Lua state orders a table's keys its own way), text, and the state of form
# controls.
DESCRIBE = """
function describe(node) {
  if (node.nodeType === Node.TEXT_NODE) return JSON.stringify(node.data);
  if (node.nodeType === Node.COMMENT_NODE) return "<!--" + node.data + "-->";
  const attributes = [...node.attributes].map((a) =>
    a.name === "class" ? "class=" + [...node.classList].join(" ")
    : a.name === "style" ? "style=" + [...node.style].map((p) => p + ":" + node.style.getPropertyValue(p)).sort().join(";")
    : a.name + "=" + JSON.stringify(a.value)).sort();
  let state = "";
  if ("value" in node && node.localName !== "li" && node.localName !== "meter" && node.localName !== "progress")
    state += " value:" + JSON.stringify(String(node.value));
  if ("checked" in node) state += " checked:" + node.checked;
  return "<" + node.namespaceURI.split("/").pop() + ":" + node.localName + " " + attributes.join(" ") + state + ">"
    + [...node.childNodes].map(describe).join("") + "</" + node.localName + ">";
}
return describe(document.getElementById("gz-root"));
"""


def first_difference(a: str, b: str) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"first paint: ...{a[max(0, at - 200):at + 200]}...\nfull render: ...{b[max(0, at - 200):at + 200]}..."


def root_html(page) -> str:
    return page.execute_script(DESCRIBE)


def test_the_page_adopts_its_first_paint_and_matches_a_full_render(serve, page, tmp_path):
    root, script = module(tmp_path)
    server = serve(root)
    # The page's own HTML already holds the tree, before any script runs.
    status, html = http_get(server.url + "?module=paint&script=everything")
    assert status == 200
    assert "clicks: 0 &lt;&amp;&gt;" in html and "in the left slot" in html and "line 7 &lt;b&gt;" in html

    open_gizmo(page, f"{server.url}?module=paint&script=everything")
    assert page.execute_script("return window.gizmo.firstPaint()") == "adopted"
    marked = wait(page).until(lambda d: d.find_element(By.XPATH, "//*[normalize-space()='answer 42']"))
    assert marked.get_attribute("data-inits") == "1", "js_init ran once"
    assert page.execute_script("return document.querySelectorAll('script[data-gz-head]').length") == 1
    # The Log keeps its last 5 lines, counted: a new line drops the oldest.
    log = page.find_element(By.CSS_SELECTOR, ".gz-log")
    assert log.get_attribute("textContent").splitlines()[0].startswith("line 3")
    # A plot's appended points are drawn by the page.
    assert page.execute_script("return document.querySelector('[data-gz-series]').getAttribute('d')").startswith("M")
    assert page.execute_script("return document.querySelectorAll('.gz-plot svg').length") == 2
    assert error_messages(page) == []
    adopted = root_html(page)

    # Listeners work on the adopted elements.
    click(page, "Count")
    wait_text(page, "clicks: 1")
    click(page, "Count")
    wait_text(page, "clicks: 2")

    # Save the script unchanged: the page gets a full render of a fresh run
    # over its socket, built by gizmo.js; it must be what the parser made.
    os.utime(script)
    wait_text(page, "clicks: 0 <&> \"quoted\"")
    wait(page).until(lambda d: d.find_element(By.XPATH, "//*[normalize-space()='answer 42']"))
    # (This found the render's slider at 0: its value was set before its step.)
    assert page.execute_script("return document.querySelector('.gz-slider').value") == "0.3"
    rendered = root_html(page)
    assert rendered == adopted, first_difference(adopted, rendered)
    assert error_messages(page) == []


def test_a_reload_of_the_page_resumes_instead_of_rendering_again(serve, page, tmp_path):
    root, _ = module(tmp_path)
    server = serve(root)
    open_gizmo(page, f"{server.url}?module=paint&script=everything")
    click(page, "Count")
    wait_text(page, "clicks: 1")
    page.refresh()
    wait(page).until(lambda d: d.execute_script("return window.gizmo && window.gizmo.state()") == "connected")
    assert page.execute_script("return window.gizmo.firstPaint()") == "adopted"
    wait_text(page, "clicks: 1")
    click(page, "Count")
    wait_text(page, "clicks: 2")


def test_a_tree_that_cannot_be_html_renders_over_the_socket(serve, page, tmp_path):
    root, _ = module(tmp_path)
    server = serve(root)
    open_gizmo(page, f"{server.url}?module=paint&script=table")
    assert page.execute_script("return window.gizmo.firstPaint()") == "none"
    wait(page).until(lambda d: d.find_element(By.XPATH, "//td[normalize-space()='a cell']"))


DEMOS = Path(__file__).resolve().parents[2] / "scripts" / "some_gizmo_demos"


@pytest.mark.parametrize("script", ["hello_env", "simple_todo", "hello_curves"])
def test_the_demos_first_paints_match_their_full_renders(serve, page, tmp_path, script):
    folder = tmp_path / "scripts" / "demos"
    shutil.copytree(DEMOS, folder)
    server = serve(folder.parent)
    open_gizmo(page, f"{server.url}?module=demos&script={script}")
    assert page.execute_script("return window.gizmo.firstPaint()") == "adopted"
    adopted = root_html(page)
    generation = page.execute_script("return window.gizmo.frame()")
    os.utime(folder / f"{script}.lua")
    # The reload's render arrives as a frame: wait until the page applied one more.
    wait(page).until(lambda d: d.execute_script("return window.gizmo.frame()") > generation)
    rendered = root_html(page)
    assert rendered == adopted, first_difference(adopted, rendered)
    assert error_messages(page) == []


def test_html_that_does_not_match_its_render_is_rebuilt_from_it(serve, page, tmp_path):
    """gizmo.js checks the elements against the render before it adopts
    them; here a stray element was put into a real first paint, so the page
    builds the render itself (and shows it without a socket: none answers)."""
    root, _ = module(tmp_path)
    server = serve(root)
    status, html = http_get(server.url + "?module=paint&script=everything")
    assert status == 200 and 'id="gz-first"' in html
    tampered = html.replace('<main id="gz-root"><div ', '<main id="gz-root"><div data-stray="1" ', 1)
    tampered = tampered.replace("in the left slot</div>", 'in the left slot</div><i data-gz-id="999">stray</i>', 1)
    assert tampered.count('data-gz-id="999"') == 1
    site = tmp_path / "site"
    folder = site / "gizmo" / "http" / "MGR_1_2"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(tampered)
    (folder / "answer.js").write_text("window.answer = 42;\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    static = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    try:
        page.get(f"http://127.0.0.1:{static.server_address[1]}/gizmo/http/MGR_1_2/index.html")
        wait(page).until(lambda d: d.execute_script("return window.gizmo && window.gizmo.firstPaint()") == "rebuilt")
        wait_text(page, "in the left slot")
        assert page.find_elements(By.XPATH, "//i[normalize-space()='stray']") == []
        assert page.find_elements(By.CSS_SELECTOR, "[data-stray]") == []
        wait(page).until(lambda d: d.find_element(By.XPATH, "//*[normalize-space()='answer 42']"))
    finally:
        static.shutdown()
