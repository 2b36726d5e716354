"""Several browser windows on gizmos at once, for the tests of what sessions
share (gz.store): each window is a page of its own session, and each can
hold the frames the server sends it, so a test can make two pages act on
what they showed before either hears of the other's change."""

from __future__ import annotations

from contextlib import contextmanager

from gizmo_support import open_gizmo

# Runs in each window before the page's own scripts (through the DevTools
# protocol): the page's WebSocket handler then keeps incoming frames while
# `window.__gzHold` is true, and `window.__gzRelease()` hands them over in
# order. What the page sends is untouched.
HOLD_FRAMES_JS = """
(() => {
  const held = [];
  window.__gzHold = false;
  window.__gzHeld = () => held.length;
  window.__gzRelease = () => {
    window.__gzHold = false;
    for (const [handler, socket, event] of held.splice(0)) handler.call(socket, event);
  };
  const plain = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage");
  Object.defineProperty(WebSocket.prototype, "onmessage", {
    configurable: true,
    get() { return plain.get.call(this); },
    set(handler) {
      plain.set.call(this, handler && function (event) {
        if (window.__gzHold) held.push([handler, this, event]);
        else handler.call(this, event);
      });
    },
  });
})();
"""


class Windows:
    """Windows opened by a test, each named by its handle; closed at the end."""

    def __init__(self, driver):
        self.driver = driver
        self.home = driver.current_window_handle
        self.handles: list[str] = []

    def open(self, url: str, gizmo: bool = True) -> str:
        """A new window on `url` (a launch URL starts a new session), with the
        frame hold installed; answers once its page is connected and drawn
        (with `gizmo=False`, once loaded: an entry page)."""
        self.driver.switch_to.new_window("window")
        handle = self.driver.current_window_handle
        self.handles.append(handle)
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOLD_FRAMES_JS})
        if gizmo:
            open_gizmo(self.driver, url)
        else:
            self.driver.get(url)
        return handle

    @contextmanager
    def inside(self, handle: str):
        """Act in that window for the block."""
        self.driver.switch_to.window(handle)
        yield self.driver

    def hold(self, handle: str) -> None:
        with self.inside(handle) as page:
            page.execute_script("window.__gzHold = true;")

    def release(self, handle: str) -> None:
        with self.inside(handle) as page:
            page.execute_script("window.__gzRelease();")

    def held(self, handle: str) -> int:
        with self.inside(handle) as page:
            return page.execute_script("return window.__gzHeld();")

    def close_all(self) -> None:
        for handle in self.handles:
            try:
                self.driver.switch_to.window(handle)
                self.driver.close()
            except Exception:
                pass
        self.driver.switch_to.window(self.home)
