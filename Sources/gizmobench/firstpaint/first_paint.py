#!/usr/bin/env python3
"""First paint in headless Chromium: how late a text appears on a page, from
the navigation's start, and the same for a second page, interleaved.

    first_paint.py capture URL --text "Goodbye." --out copy.html
        opens URL until the text shows, then writes the document as the
        browser shows it (document.documentElement.outerHTML) with its
        <script> elements removed: a static copy, with the same CSS, DOM and
        size, that can connect to nothing.

    first_paint.py measure URL [URL ...] --text "Goodbye." --rounds 20 [--json out.json]
        opens each URL once per round, in that order, each in a fresh tab with
        the browser's cache disabled, and times it: from the navigation's start
        (performance.timeOrigin, before any redirect) until the text is in the
        DOM and a frame has been rendered after it. Prints one line per URL
        (p50, min, max, in ms) and the p50s' ratios over the last URL's; with
        --json, writes every sample.

`make bench` runs both (gizmobench: the entry URL of hello_env against its copy
served by the bench); by hand, any two URLs on loopback (docs/performance.md,
"First paint"). Needs selenium, Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

# Injected before any script of every document of the tab (CDP
# Page.addScriptToEvaluateOnNewDocument), so it sees the parser's nodes as
# well as a script's: a MutationObserver on the document looks at each added
# node (and each changed text) for the text in rendered content (not in a
# <script>, <style>, <template> or <noscript>, where a page may carry it as
# data); the first time it is there, the next requestAnimationFrame callback
# posts a message, whose handler runs once that frame's style, layout and paint
# have run, and notes the time. The time counts from the first document of this
# tab on this origin: the navigation's start (timeOrigin includes an HTTP
# redirect), or an earlier page's that sent the browser here by script (as
# H5Gizmos' start page does).
WATCHER = r"""
(() => {
  const TEXT = %(text)s;
  const KEY = "__first_paint_origin";
  let origin = performance.timeOrigin;
  try {
    const earlier = sessionStorage.getItem(KEY);
    if (earlier !== null) origin = Math.min(origin, Number(earlier));
    else sessionStorage.setItem(KEY, String(origin));
  } catch (e) {}
  let done = null;
  const waiting = [];
  window.__firstPaint = () => done !== null ? Promise.resolve(done)
    : new Promise((resolve) => waiting.push(resolve));
  const hidden = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"]);
  const shown = (node) => {
    for (let up = node.parentNode; up; up = up.parentNode) {
      if (hidden.has(up.nodeName)) return false;
    }
    return true;
  };
  const holds = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.data.includes(TEXT) && shown(node);
    if (node.nodeType !== Node.ELEMENT_NODE || hidden.has(node.nodeName) || !shown(node)) return false;
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT, {
      acceptNode: (t) => hidden.has(t.parentNode.nodeName) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (t.data.includes(TEXT) && shown(t)) return true;
    }
    return false;
  };
  let seen = false;
  const observer = new MutationObserver((records) => {
    if (seen) return;
    for (const record of records) {
      const found = record.type === "characterData" ? holds(record.target)
        : Array.prototype.some.call(record.addedNodes, holds);
      if (!found) continue;
      seen = true;
      observer.disconnect();
      const inDom = performance.now();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          done = {
            ms: performance.timeOrigin + performance.now() - origin,
            in_dom_ms: performance.timeOrigin + inDom - origin,
            documents: origin === performance.timeOrigin ? 1 : 2,
            redirected: (performance.getEntriesByType("navigation")[0] || {}).redirectCount || 0,
          };
          waiting.splice(0).forEach((resolve) => resolve(done));
        };
        channel.port2.postMessage(null);
      });
      return;
    }
  });
  observer.observe(document, {childList: true, subtree: true, characterData: true});
})();
"""

# Outer HTML without scripts: the static copy.
CAPTURE = r"""
const copy = document.documentElement.cloneNode(true);
copy.querySelectorAll("script").forEach((s) => s.remove());
return "<!doctype html>\n" + copy.outerHTML;
"""


def browser(chromium: str, chromedriver: str):
    """Headless Chromium through Debian's chromedriver, as the e2e tests start it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,900",
                     "--disable-features=BackForwardCache", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    # get() returns once the navigation has committed; the page's own promise says when it painted.
    options.page_load_strategy = "none"
    return webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)


@contextlib.contextmanager
def watched_tab(driver, text: str):
    """A fresh tab, the browser's cache disabled in it and the watcher
    injected into its every document; closed afterwards."""
    home = driver.current_window_handle
    driver.switch_to.new_window("tab")
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                               {"source": WATCHER % {"text": json.dumps(text)}})
        yield
    finally:
        driver.close()
        driver.switch_to.window(home)


def painted(driver, url: str, text: str, timeout: float) -> dict:
    """Opens `url` in the watched tab and waits for the watcher's time."""
    driver.get(url)
    driver.set_script_timeout(timeout)
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "if (!window.__firstPaint) { done(null); return; }"
                "window.__firstPaint().then(done);")
        except Exception as error:  # a script sent the browser to another document meanwhile
            result = None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url}: {error}") from error
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: {text!r} did not show within {timeout:g} s")
        time.sleep(0.05)


def open_timed(driver, url: str, text: str, timeout: float) -> dict:
    """The watcher's time for `url`, in a fresh tab."""
    with watched_tab(driver, text):
        return painted(driver, url, text, timeout)


def capture(driver, url: str, text: str, timeout: float) -> str:
    """The document at `url` once `text` has been painted, without its scripts."""
    with watched_tab(driver, text):
        painted(driver, url, text, timeout)
        return driver.execute_script(CAPTURE)


def summary(samples: list[float]) -> dict:
    """Nearest-rank p50 (a measured sample, as gizmobench's figures), min, max."""
    ordered = sorted(samples)
    return {"n": len(ordered), "p50": ordered[(len(ordered) + 1) // 2 - 1], "min": ordered[0], "max": ordered[-1]}


def measure(driver, urls: list[str], text: str, rounds: int, warmup: int, timeout: float) -> dict:
    """`warmup` unrecorded rounds, then `rounds`: each URL once a round, in order."""
    samples: dict[str, list[dict]] = {url: [] for url in urls}
    for index in range(warmup + rounds):
        for url in urls:
            result = open_timed(driver, url, text, timeout)
            if index >= warmup:
                samples[url].append(result)
    return {
        "text": text,
        "rounds": rounds,
        "warmup_rounds": warmup,
        "browser": driver.capabilities.get("browserVersion", ""),
        "pages": [{"url": url, "ms": [s["ms"] for s in samples[url]],
                   "in_dom_ms": [s["in_dom_ms"] for s in samples[url]],
                   "documents": max(s["documents"] for s in samples[url]),
                   "redirects": max(s["redirected"] for s in samples[url])} for url in urls],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", default=os.environ.get("GIZMO_TEST_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--chromedriver", default=os.environ.get("GIZMO_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
    parser.add_argument("--text", default="Goodbye.", help="the text whose first paint is timed")
    parser.add_argument("--timeout", type=float, default=30, help="seconds a page may take to show the text")
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("capture", help="write the static copy of a page")
    take.add_argument("url")
    take.add_argument("--out", required=True)
    time_them = commands.add_parser("measure", help="time pages, interleaved")
    time_them.add_argument("urls", nargs="+")
    time_them.add_argument("--rounds", type=int, default=20)
    time_them.add_argument("--warmup", type=int, default=2, help="unrecorded rounds first")
    time_them.add_argument("--json", help="write every sample here")
    args = parser.parse_args(argv)

    driver = browser(args.chromium, args.chromedriver)
    try:
        if args.command == "capture":
            html = capture(driver, args.url, args.text, args.timeout)
            Path(args.out).write_text(html, encoding="utf-8")
            print(f"{len(html.encode())} bytes from {args.url} to {args.out}")
            return 0
        if args.rounds < 1 or args.warmup < 0:
            parser.error("--rounds must be at least 1 and --warmup not negative")
        run = measure(driver, args.urls, args.text, args.rounds, args.warmup, args.timeout)
    finally:
        driver.quit()
    if args.json:
        Path(args.json).write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    last = summary(run["pages"][-1]["ms"])
    for page in run["pages"]:
        figures = summary(page["ms"])
        ratio = figures["p50"] / last["p50"] if last["p50"] > 0 else float("nan")
        print(f"{page['url']}: n {figures['n']}, p50 {figures['p50']:.1f} ms (min {figures['min']:.1f}, "
              f"max {figures['max']:.1f}), {ratio:.2f}x the last URL's p50")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
