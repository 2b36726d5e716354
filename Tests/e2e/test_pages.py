"""A session's pages (docs/protocol.md, "Sessions and reconnection"): two tabs
of one session side by side, a socket cut while frames are flowing, a click
from before a hot reload, a page that does not read, and the tray that shows
errors without covering the gizmo."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from websockets.asyncio.client import connect

from gizmo_support import GIZMOS, button, click, open_gizmo, wait, wait_connected, wait_text

# How long two tabs must stay side by side without a render loop (the bar).
SIDE_BY_SIDE_SECONDS = 60


def mark_render(driver) -> None:
    """Tag the rendered tree's root element: a full render replaces it."""
    driver.execute_script("document.getElementById('gz-root').firstElementChild.dataset.testMark = 'kept'")


def render_kept(driver) -> bool:
    return driver.execute_script(
        "const el = document.getElementById('gz-root').firstElementChild;"
        "return !!el && el.dataset.testMark === 'kept';"
    )


def test_two_tabs_of_one_session_stay_live_side_by_side(gizmo, page):
    run = gizmo(GIZMOS / "click_counter.lua")
    first = page.current_window_handle
    open_gizmo(page, run.url)
    page.switch_to.new_window("tab")
    second = page.current_window_handle
    open_gizmo(page, run.url)
    for tab in (first, second):
        page.switch_to.window(tab)
        mark_render(page)

    click(page, "Click me")  # in the second tab
    wait_text(page, "clicked 1")
    page.switch_to.window(first)
    wait_text(page, "clicked 1")  # the first tab mirrors it
    click(page, "Click me")
    wait_text(page, "clicked 2")

    # Before protocol 2 the two tabs took the session from each other every
    # second, each time with a full render. Watch them for the minute.
    deadline = time.monotonic() + SIDE_BY_SIDE_SECONDS
    while time.monotonic() < deadline:
        time.sleep(5)
        for tab in (first, second):
            page.switch_to.window(tab)
            assert page.execute_script("return window.gizmo.state()") == "connected"
            assert render_kept(page), "a tab was rendered again: the tabs fight over the session"
    page.switch_to.window(second)
    wait_text(page, "clicked 2")
    click(page, "Click me")
    page.switch_to.window(first)
    wait_text(page, "clicked 3")
    page.switch_to.window(second)
    page.close()
    page.switch_to.window(first)


class CuttableProxy:
    """A TCP proxy on loopback that the test can cut (every connection closed,
    new ones refused) and restore on the same port."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.writers: set = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.restore()

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _accept(self, reader, writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, upstream_writer}
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    async def _listen(self):
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self):
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    def restore(self) -> None:
        self._run(self._listen())

    def cut(self) -> None:
        self._run(self._cut())

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)


def ticks(driver) -> list[str]:
    return [e.get_attribute("textContent") for e in driver.find_elements(By.CSS_SELECTOR, ".tick")]


def test_a_socket_cut_mid_stream_resumes_without_a_render_and_loses_nothing(gizmo, page):
    run = gizmo(GIZMOS / "ticker.lua", grace="30")
    port = int(re.match(r"http://[^:/]+:(\d+)/", run.url).group(1))
    proxy = CuttableProxy(port)
    try:
        open_gizmo(page, run.url.replace(f":{port}/", f":{proxy.port}/", 1))
        mark_render(page)
        click(page, "Start")
        wait(page).until(lambda d: len(ticks(d)) >= 5, message="the ticker never started")

        proxy.cut()  # frames are flowing: some are lost in the cut socket
        wait(page).until(lambda d: d.execute_script("return window.gizmo.state()") == "reconnecting",
                         message="the page never noticed the cut")
        for _ in range(3):  # what a person does while the socket is down
            button(page, "Click me").click()
        assert page.execute_script("return window.gizmo.waiting()") >= 3
        assert "3 actions" in page.find_element(By.ID, "gz-status").text

        proxy.restore()
        wait_connected(page)
        wait_text(page, "clicked 3")  # each click once: not lost, not doubled
        assert render_kept(page), "the page was rendered again instead of resuming"

        click(page, "Stop")
        stopped = wait(page).until(
            lambda d: next((t for t in (e.get_attribute("textContent") for e in d.find_elements(By.CSS_SELECTOR, ".gz-text"))
                            if t.startswith("stopped at")), False),
            message="the ticker did not say where it stopped")
        n = int(re.search(r"stopped at (\d+)", stopped).group(1))
        assert ticks(page) == [f"tick {i}" for i in range(1, n + 1)], "a frame was lost or applied twice"
        assert stopped.endswith("clicked 3")
    finally:
        proxy.close()


def test_the_tray_never_covers_the_gizmo_and_counts_repeats(gizmo, page):
    run = gizmo(GIZMOS / "tray.lua")
    open_gizmo(page, run.url)
    fail = button(page, "Fail")
    fail.click()
    wait_text(page, "failed 1")
    wait(page).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#gz-tray .gz-error"), message="no error in the tray")

    covered = page.execute_script(
        "const b = arguments[0].getBoundingClientRect();"
        "const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);"
        "return hit !== arguments[0] && !arguments[0].contains(hit);", fail)
    assert not covered, "an error panel covers the button"
    fail.click()  # a real click: it must reach the button
    wait_text(page, "failed 2")
    entries = page.find_elements(By.CSS_SELECTOR, "#gz-tray .gz-error")
    assert len(entries) == 1, "the same error stacked instead of counting up"
    wait(page).until(lambda d: entries[0].get_attribute("data-count") == "2")

    click(page, "Fail often")
    wait(page, 30).until(
        lambda d: any(int(e.get_attribute("data-count")) >= 5 for e in d.find_elements(By.CSS_SELECTOR, "#gz-tray .gz-error")),
        message="the failing timer's error did not count up")
    assert len(page.find_elements(By.CSS_SELECTOR, "#gz-tray .gz-error")) == 2


def frames_of(message: str) -> list[dict]:
    frame = json.loads(message)
    return frame[1:] if frame and frame[0].get("op") in ("welcome", "frame") else frame


async def next_command(ws, op: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        message = await asyncio.wait_for(ws.recv(), max(deadline - time.monotonic(), 0.01))
        for command in frames_of(message):
            if command.get("op") == op:
                return command


def test_a_click_from_before_a_hot_reload_is_dropped_with_a_note(serve, tmp_path):
    folder = tmp_path / "mod"
    folder.mkdir()
    script = folder / "counter.lua"
    shutil.copy(GIZMOS / "click_counter.lua", script)
    server = serve(folder)

    async def scenario():
        base = server.url.rstrip("/")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
        try:
            opener.open(f"{base}/?module=mod&script=counter")
            raise AssertionError("the launch did not redirect")
        except urllib.error.HTTPError as redirect:
            location = redirect.headers["Location"]
        session = location.split("/")[2]
        async with connect(f"{base.replace('http', 'ws', 1)}/gizmo/ws/{session}", proxy=None) as ws:
            await ws.send(json.dumps({"t": "hello", "v": 2, "p": "tab"}))
            render = await next_command(ws, "render")
            callback = render["node"]["kids"][0]["on"]["click"]
            old = render["g"]

            script.write_text(script.read_text().replace("clicked ", "pressed "))
            fresh = await next_command(ws, "render")
            assert fresh["g"] != old
            await ws.send(json.dumps({"t": "call", "p": "tab", "m": 1, "g": old, "cb": callback, "args": [{}]}))
            note = await next_command(ws, "notice")
            assert note["to"] == "tab" and "before the gizmo was reloaded" in note["msg"]
            new_callback = fresh["node"]["kids"][0]["on"]["click"]
            await ws.send(json.dumps({"t": "call", "p": "tab", "m": 2, "g": fresh["g"], "cb": new_callback, "args": [{}]}))
            text = await next_command(ws, "text")
            assert text["v"] == "pressed 1"  # the old click did not run, the new one did

    asyncio.run(scenario())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Leaves a launch's 303 to the test, which wants the session id."""

    def redirect_request(self, *args, **kwargs):
        return None


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("VmRSS:")).split()[1])


def test_a_page_that_does_not_read_is_dropped_and_the_server_holds_little(gizmo):
    run = gizmo(GIZMOS / "firehose.lua", env={"FIREHOSE_AT_ONCE": "1"}, grace="30")
    rest = rss_kib(run.proc.pid)
    ws_url = run.url.replace("http://", "ws://", 1).replace("/gizmo/http/", "/gizmo/ws/").removesuffix("/index.html")

    async def scenario():
        # max_queue=1: the client stops reading its socket after one frame.
        async with connect(ws_url, proxy=None, max_queue=1) as ws:
            await ws.send(json.dumps({"t": "hello", "v": 2, "p": "sleepy"}))
            text = await asyncio.to_thread(
                run.wait_for_stderr, lambda err: "did not read its frames" in err, 60)
            assert "did not read its frames" in text, "the server kept buffering for a page that does not read"
            return rss_kib(run.proc.pid)

    peak = asyncio.run(scenario())
    # Budget 64 MiB, unread frames 4 MiB, kept frames 1 MiB, plus the page's
    # own 64 KiB texts in flight: far from the hundreds of MiB a minute the
    # server buffered before.
    assert peak - rest < 128 * 1024, f"RSS grew by {(peak - rest) // 1024} MiB"
