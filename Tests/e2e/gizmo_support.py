"""Helpers for the gizmolua end-to-end tests: starting `gizmolua run` and `serve`,
reading its link, and waiting for things in the child page.

Set GIZMOLUA_BIN to test another binary than .build/debug/gizmolua.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
GIZMOS = Path(__file__).resolve().parent / "gizmos"
BIN = Path(os.environ.get("GIZMOLUA_BIN", REPO / ".build" / "debug" / "gizmolua")).resolve()

CHROMIUM = os.environ.get("GIZMO_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("GIZMO_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")

# The variables that change where gizmolua listens, what it advertises and whom it serves.
# A test gets them only when it sets them itself.
GIZMO_ENV_VARS = ("GIZMO_USE_PORT", "GIZMO_USE_SERVER_ADDRESS", "GIZMO_LINK_PREFIX", "GIZMO_TOKEN", "GIZMO_ALLOW_HOST",
                  "GIZMO_ALLOW_RUN", "GIZMO_ALLOW_READ", "GIZMO_ALLOW_NET", "GIZMO_ALLOW_SIGNAL", "GIZMO_ALLOW_ALL")

LINK_START_TIMEOUT = 30  # seconds until the GIZMO_LINK line must appear
WAIT = 15  # seconds for any single browser-side expectation

LINK_LINE = re.compile(r"^\s*GIZMO_LINK:\s*(\S+)\s*$")


def child_env(extra: dict[str, str] | None = None, inherit: bool = True) -> dict[str, str]:
    """The test's environment without GIZMO_ENV_VARS, plus `extra`; with
    `inherit=False`, only `extra` (for a picture that must not show this machine)."""
    env = {k: v for k, v in os.environ.items() if k not in GIZMO_ENV_VARS} if inherit else {}
    env.update(extra or {})
    return env


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the first line of `path` containing `needle`."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found in {path}")


def http_get(url: str, timeout: float = 10) -> tuple[int, str]:
    """GET without any proxy from the environment (the targets are loopback)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8", "replace")


def port_of(url: str) -> int:
    """The port of an http:// URL that names one."""
    match = re.match(r"http://[^/]+:(\d+)/", url)
    assert match, f"no port in {url}"
    return int(match.group(1))


def launch(url: str, headers: dict[str, str] | None = None) -> str:
    """GET a launch URL without following its redirect (no browser); the
    absolute address it redirects to (the child page)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.ProxyHandler({}))
    try:
        opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code in (302, 303), f"{url}: {answer.code}"
        return urllib.parse.urljoin(url, answer.headers["Location"])
    raise AssertionError(f"{url} did not redirect")


@dataclass
class GizmoProcess:
    """A running `gizmolua run` and what it has printed so far."""

    proc: subprocess.Popen
    args: list[str]
    url: str = ""
    link_line: str = ""
    stdout_lines: list[str] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)
    readers: list[threading.Thread] = field(default_factory=list)

    @property
    def stderr(self) -> str:
        return "".join(self.stderr_lines)

    @property
    def stdout(self) -> str:
        return "".join(self.stdout_lines)

    def wait_for_stderr(self, predicate, timeout: float = 10) -> str:
        """Wait until `predicate(stderr_text)` holds; return the text either way."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.stderr):
                break
            time.sleep(0.05)
        return self.stderr

    def finish_output(self, timeout: float = 5) -> None:
        """After the process has exited, wait until its output is read."""
        for reader in self.readers:
            reader.join(timeout)

    def stop(self) -> None:
        terminate(self.proc)


def terminate(proc: subprocess.Popen, timeout: float = 5) -> None:
    """Stop a process of the test: SIGTERM, then SIGKILL after `timeout` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _drain(stream, sink: list[str], lines: queue.Queue | None) -> None:
    for line in iter(stream.readline, ""):
        sink.append(line)
        if lines is not None:
            lines.put(line)
    stream.close()
    if lines is not None:
        lines.put(None)  # end of output


def start_gizmo(
    script: Path | str,
    *extra_args: str,
    env: dict[str, str] | None = None,
    port: str | None = "0",
    grace: str | None = "2",
    inherit_env: bool = True,
) -> GizmoProcess:
    """Start `gizmolua run` on `script` and wait for its GIZMO_LINK line.

    `port=None` leaves out `--port` (for tests of GIZMO_USE_PORT);
    `inherit_env=False` gives the process `env` alone.
    """
    args = ["run", str(script), "--no-browser"]
    if port is not None:
        args += ["--port", port]
    if grace is not None:
        args += ["--grace", grace]
    return start_linked(*args, *extra_args, env=env, inherit_env=inherit_env)


def start_serve(*folders: Path | str, extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None,
                port: str = "0", grace: str = "2") -> GizmoProcess:
    """Start `gizmolua serve FOLDERS` and wait for the entry page's GIZMO_LINK line."""
    return start_linked("serve", *map(str, folders), "--port", port, "--grace", grace, *extra_args, env=env)


def start_linked(*args: str, env: dict[str, str] | None = None, inherit_env: bool = True) -> GizmoProcess:
    """Start gizmolua with `args` and wait for the ` GIZMO_LINK: <url> ` line."""
    if not BIN.exists():
        pytest.fail(f"{BIN} does not exist: run `make build` first")
    return start_command([str(BIN), *args], env=env, inherit_env=inherit_env)


def start_command(args: list[str], env: dict[str, str] | None = None, inherit_env: bool = True) -> GizmoProcess:
    """Start any program that prints a ` GIZMO_LINK: <url> ` line (gizmolua,
    or a Python H5Gizmos gizmo) and wait for that line."""
    proc = subprocess.Popen(
        args,
        cwd=REPO,
        env=child_env(env, inherit_env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    gizmo = GizmoProcess(proc=proc, args=args)
    lines: queue.Queue = queue.Queue()
    gizmo.readers = [
        threading.Thread(target=_drain, args=(proc.stdout, gizmo.stdout_lines, lines), daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, gizmo.stderr_lines, None), daemon=True),
    ]
    for reader in gizmo.readers:
        reader.start()

    deadline = time.monotonic() + LINK_START_TIMEOUT
    while True:
        remaining = deadline - time.monotonic()
        try:
            line = lines.get(timeout=max(remaining, 0.01))
        except queue.Empty:
            gizmo.stop()
            gizmo.finish_output()
            pytest.fail(
                f"no GIZMO_LINK line within {LINK_START_TIMEOUT}s from {' '.join(args)}\n"
                f"stdout:\n{gizmo.stdout}\nstderr:\n{gizmo.stderr}"
            )
        if line is None:
            gizmo.stop()
            gizmo.finish_output()
            pytest.fail(
                f"{Path(args[0]).name} exited (code {proc.returncode}) before printing GIZMO_LINK: {' '.join(args)}\n"
                f"stdout:\n{gizmo.stdout}\nstderr:\n{gizmo.stderr}"
            )
        match = LINK_LINE.match(line.rstrip("\r\n"))
        if match:
            gizmo.url = match.group(1)
            gizmo.link_line = line.rstrip("\r\n")
            return gizmo


# ---- the child page ---------------------------------------------------------


def wait(driver, timeout: float = WAIT) -> WebDriverWait:
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def wait_connected(driver) -> None:
    wait(driver).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '#gz-status[data-state="connected"]')),
        message="the connection badge #gz-status never reached data-state=connected",
    )


def open_gizmo(driver, url: str) -> None:
    """Load the child page and wait until it is connected and rendered."""
    driver.get(url)
    wait_connected(driver)
    wait(driver).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "[data-gz-id]")),
        message="no component ([data-gz-id]) was rendered",
    )


def _xpath_literal(s: str) -> str:
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in s.split("'")) + ")"


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def button(driver, label: str):
    """The clickable gz-button whose text is `label`."""
    xpath = f"//button[{_has_class('gz-button')}][normalize-space()={_xpath_literal(label)}]"
    return wait(driver).until(
        EC.element_to_be_clickable((By.XPATH, xpath)),
        message=f"no clickable gz-button labelled {label!r}",
    )


def click(driver, label: str) -> None:
    """Click the button; if an overlay (an error panel) covers it, click it
    from JavaScript, so these tests depend on the session, not the layout."""
    element = button(driver, label)
    try:
        element.click()
    except ElementClickInterceptedException:
        driver.execute_script("arguments[0].click();", element)


def wait_text(driver, text: str):
    """Wait for a gz-text component whose text is exactly `text`."""
    xpath = f"//*[{_has_class('gz-text')}][normalize-space()={_xpath_literal(text)}]"

    def found(d):
        return d.find_elements(By.XPATH, xpath) or False

    try:
        return wait(driver).until(found)[0]
    except Exception as error:
        shown = [e.get_attribute("textContent") for e in driver.find_elements(By.CSS_SELECTOR, ".gz-text")]
        raise AssertionError(f"no .gz-text reads {text!r}; the texts are {shown!r}") from error


def error_messages(driver) -> list[str]:
    return [
        e.get_attribute("textContent") or ""
        for e in driver.find_elements(By.CSS_SELECTOR, "#gz-tray .gz-error .gz-tray-msg")
    ]


def wait_error(driver, predicate, description: str) -> str:
    """Wait for an error panel whose message satisfies `predicate`; return it."""

    def found(d):
        for message in error_messages(d):
            if predicate(message):
                return message
        return False

    try:
        return wait(driver).until(found)
    except Exception as error:
        raise AssertionError(
            f"no error in #gz-tray {description}; messages shown: {error_messages(driver)!r}"
        ) from error


# ---- runs that need no browser -----------------------------------------------


def run_to_exit(*args: str, env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run gizmolua with `args` until it exits (a failure case)."""
    if not BIN.exists():
        pytest.fail(f"{BIN} does not exist: run `make build` first")
    return subprocess.run(
        [str(BIN), *args],
        cwd=REPO,
        env=child_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def nonempty_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# ---- a server process's figures (Linux /proc) -----------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # per second, for cpu_ticks


def rss_kib(pid: int) -> int:
    """The process's resident set (VmRSS) in KiB."""
    return _status_field(pid, "VmRSS")


def thread_count(pid: int) -> int:
    return _status_field(pid, "Threads")


def _status_field(pid: int, name: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {name} in /proc/{pid}/status")


def cpu_ticks(pid: int) -> int:
    """CPU time the process has used (user + system, all its threads), in clock ticks."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()  # the name before ")" may hold spaces
    return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)


# ---- README screenshots --------------------------------------------------------

SCREENSHOTS = REPO / "docs" / "screenshots"
SCREENSHOT_WIDTH = 900  # CSS pixels: a desktop window, small enough for a README
SCREENSHOT_HEIGHTS = (240, 960)  # the picture fits the page's height within these


def save_screenshot(driver, name: str) -> Path:
    """Save the current page as docs/screenshots/<name>.png for the README.

    The demo tests call this once their page shows what the README describes,
    so the pictures are retaken by every `make test` and stay current. The
    viewport is set (through the DevTools protocol, so the window's own frame
    does not count) to SCREENSHOT_WIDTH and to the page's height, so the
    picture shows the whole gizmo with no empty space under it; the test's
    own viewport comes back afterwards. Carets, transitions and animations
    are turned off, so a picture is byte-identical from run to run.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    low, high = SCREENSHOT_HEIGHTS

    def viewport(height: int) -> None:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": SCREENSHOT_WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    try:
        viewport(low)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        viewport(max(low, min(int(height), high)))
        driver.execute_script("window.scrollTo(0, 0)")
        # A focused field's caret blinks and a focus ring or the connection
        # dot may be mid-transition: without them the picture is the same
        # from run to run when nothing else changed.
        driver.execute_script(
            "const style = document.createElement('style');"
            "style.textContent = '*, *::before, *::after { caret-color: transparent !important;"
            " transition: none !important; animation: none !important; }';"
            "document.head.appendChild(style);"
        )
        # Two frames: the page lays out (a plot's SVG scales) at the new size.
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));"
        )
        target = SCREENSHOTS / f"{name}.png"
        if not driver.save_screenshot(str(target)):
            raise AssertionError(f"Chromium could not save {target}")
        return target
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
