"""The sandbox-escape suite: every way issue 12 found for a script to get its
code run outside its limits, to cost the server more than its own session, or
to wedge its page, tried against a live `gizmolua serve`.

The server serves a copy of Tests/e2e/gizmos (a copy, so that a road can
change a script's file to reload it) with `--cpu-limit 1` (the watchdog's
grace is 1 s past it, so the suite stays fast), `--grace 1`, and a data
folder of the test's own. Once it has served a warm-up wave of sessions its
rest figures are taken: CPU ticks over 2 s, threads, RSS.

One test per escape class (the scripts in gizmos/escapes/, one button per
road). A class's roads run at once, each in a session of its own, and each
is checked by waiting for events with a generous deadline, never by timing:

- **stopped**: the page gets an `error` (or a `close`, when the session is
  ended) whose message names the limit: "CPU limit" for time, "memory
  budget" for memory, "__gc" for finalizers, the cap's name ("timers",
  "names"), a bad duration's function and "seconds";
- **untouched** (roads that replace what the runtime might call: globals,
  the string metatable): every runtime path still works (an error report, a
  timer, a command through a proxy, a render after a second hello, clicks,
  an error from the page) and no CPU limit is hit, since the runtime never
  runs the script's replacement; roads that change components' tables may
  instead have a path stopped by the CPU limit;
- **goes on**: unless it was ended, the session answers a click and a render
  afterwards (a wedged session does not).

Around the roads: a bystander session opened before them answers a click
while they run and after; afterwards (every page closed, every session
ended) the server is at rest (CPU over a 2 s window under 5% of a core,
threads within a few of the rest value, RSS within 20% of it, polled up to
a deadline), and it still starts a new session and renders it.

A class whose checks fail may leave the server spinning or dead: the next
test starts a fresh one. For diagnosis, ESCAPE_ROADS="globals/pairs,..."
(substrings of "script/label") runs only some roads, and GIZMO_E2E_DEADLINE
shortens every wait (for a run against a build known to fail).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from gizmo_support import CLOCK_TICKS, GIZMOS, cpu_ticks, rss_kib, start_serve, thread_count
from page_client import DEADLINE, Command, PageClient, sessions_still_live

MODULE = "escapes"
BYSTANDER = ("gizmos", "click_counter")  # the top-level scripts of the copy form the module "gizmos"
CPU_LIMIT = "1"

WARM_UP_SESSIONS = 32  # as many as the largest class opens at once
REST_WINDOW = 2.0  # seconds over which CPU ticks are counted
REST_CPU_SHARE = 0.05  # of one core: an idle server, not one with a turn spinning
REST_THREADS = 4  # "within a few" of the rest value
REST_RSS_SHARE = 1.2
REST_DEADLINE = max(DEADLINE, 2 * REST_WINDOW + 1)

CPU = ("CPU limit",)
MEMORY = ("memory budget",)
TIME_OR_MEMORY = ("CPU limit", "memory budget")


# ---- the roads ---------------------------------------------------------------------


@dataclass(frozen=True)
class Road:
    """One road of an escape class: a button of a script, and what must follow its click.

    `stop`: substrings, one of which the message that stops the attack must
    contain (or `accept`, a predicate on the message); `on_return`: what it
    means when the attack returns instead ("fail"; "ok": it did no harm;
    "wait": it returns first and is stopped later, from a timer); `paths`:
    "strict" (every runtime path must work, no CPU limit may be hit),
    "lenient" (a path may instead be stopped by the CPU limit), or "" (the
    session need only go on); `fields`: sent with the click, as a visitor's
    page would; `later`: click the road's "later" button, which starts it
    from a timer.
    """

    script: str
    name: str
    stop: tuple[str, ...] = ()
    accept: Callable[[str], bool] | None = None
    on_return: str = "fail"
    paths: str = ""
    later: bool = False
    fields: dict = field(default_factory=dict, hash=False, compare=False)
    kind: str = "click"  # "click"; "reload": change the script's file after the click; "early reply"

    @property
    def label(self) -> str:
        label = f"attack {self.name}" if self.name else "attack"
        return label + " later" if self.later else label

    @property
    def id(self) -> str:
        return f"{self.script}/{self.label}"

    @property
    def stopped_by(self) -> Callable[[str], bool] | None:
        if self.accept:
            return self.accept
        if self.stop:
            return lambda message: any(s in message for s in self.stop)
        return None

    @property
    def expected(self) -> str:
        return " or ".join(map(repr, self.stop)) if self.stop else "the road's own check"


GLOBALS = [
    "pairs", "ipairs", "next", "type", "tostring", "tonumber", "select", "rawget", "rawequal", "rawlen",
    "setmetatable", "getmetatable", "error", "pcall", "collectgarbage",
    "table.concat", "table.insert", "table.remove", "table.unpack", "table.sort",
    "string.format", "string.gsub", "string.find", "string.gmatch", "string.match", "string.sub", "string.rep",
    "coroutine.resume", "coroutine.create", "coroutine.status", "coroutine.running", "math.floor",
]

STRING_METATABLE = ["__index", "__index.find", "__index.gmatch", "__index table", "__tostring", "__name", "__concat"]

COMPONENT_TABLES = ["__index", "__newindex", "setmetatable", "_methods", "kids", "kids of junk", "_handlers",
                    "_css", "_attrs", "error object"]

# A visitor's text and pattern: many `a*` over a long run of "a", with no match.
BACKTRACKING = {"text": "a" * 4000, "query": "a*" * 40 + "b"}

DURATION_FUNCTIONS = ["gz.after", "gz.every", "gz.sleep", "gz.get"]
DURATION_VALUES = ["1e300", "math.huge", "-1", "0/0", "2^63"]


def names_the_duration(function: str) -> Callable[[str], bool]:
    return lambda message: function in message and "seconds" in message


def names_the_read(message: str) -> bool:
    """The read itself is refused, by the budget or a cap: not a later allocation."""
    return "read_file" in message and ("memory budget" in message or "MiB" in message)


CLASSES: dict[str, list[Road]] = {
    "globals": [Road("globals", name, paths="strict") for name in GLOBALS],
    "string metatable": [Road("string_metatable", name, paths="strict") for name in STRING_METATABLE],
    "component tables": [Road("component_metatables", name, paths="lenient") for name in COMPONENT_TABLES],
    "finalizers": [
        Road("finalizers", "collect", stop=("__gc",)),
        Road("finalizers", "collect", stop=("__gc",), later=True),
        Road("finalizers", "runtime collect", stop=("__gc",)),
        Road("finalizers", "session end", stop=("__gc",)),
        Road("finalizers", "placeholder", stop=("__gc",)),
        Road("finalizers", "component", stop=("__gc", "metatable")),
        Road("finalizers", "component kind", paths="lenient"),
    ],
    "patterns": [
        *(Road("patterns", name, stop=CPU, fields=BACKTRACKING) for name in ("find", "match", "gmatch", "gsub")),
        Road("patterns", "find", stop=CPU, fields=BACKTRACKING, later=True),
    ],
    "C ranges": [
        Road("c_ranges", "string.rep", stop=TIME_OR_MEMORY, on_return="ok"),
        Road("c_ranges", "string.rep", stop=TIME_OR_MEMORY, on_return="ok", later=True),
        Road("c_ranges", "string.rep with separator", stop=TIME_OR_MEMORY, on_return="ok"),
        Road("c_ranges", "table.move", stop=TIME_OR_MEMORY, on_return="ok"),
        Road("c_ranges", "table.move through metatables", stop=TIME_OR_MEMORY, on_return="ok"),
        Road("c_ranges", "table.concat", stop=TIME_OR_MEMORY, on_return="ok"),
        Road("c_ranges", "table.concat through C", stop=TIME_OR_MEMORY, on_return="ok"),
    ],
    "JSON": [
        Road("json_graph", "encode", stop=CPU),  # the budget stops it too, but only after 10 s of C
        Road("json_graph", "encode slowly", stop=CPU),
        Road("json_graph", "encode slowly", stop=CPU, later=True),
        Road("json_graph", "render", paths="lenient"),
        Road("json_graph", "send", stop=TIME_OR_MEMORY),
        Road("session_graph", "", kind="reload"),
    ],
    "memory": [
        Road("memory", "images", stop=MEMORY),
        Road("memory", "names", stop=("names",)),
        Road("memory", "timers", stop=("timers",), on_return="wait"),
        Road("memory", "read_file", accept=names_the_read),
    ],
    "durations": [
        *(Road("durations", f"{function} {value}", accept=names_the_duration(function))
          for function in DURATION_FUNCTIONS for value in DURATION_VALUES),
        Road("durations", "gz.after from the page", accept=names_the_duration("gz.after"),
             fields={"seconds": 1e300}),
    ],
    "wedges": [
        *(Road("wedges", name, accept=lambda message: True, on_return="ok")
          for name in ("send", "send table", "js_init", "tree")),
        Road("early_reply", "", kind="early reply"),
    ],
}


def selected(roads: list[Road]) -> list[Road]:
    """The roads ESCAPE_ROADS names (all when it is unset)."""
    wanted = [w.strip() for w in os.environ.get("ESCAPE_ROADS", "").split(",") if w.strip()]
    return [road for road in roads if not wanted or any(w in road.id for w in wanted)]


# ---- the server ----------------------------------------------------------------------


@dataclass
class Rest:
    cpu_ticks: int  # over REST_WINDOW
    threads: int
    rss_kib: int

    def __str__(self) -> str:
        return (f"{self.cpu_ticks} CPU ticks in {REST_WINDOW:.0f} s, {self.threads} threads, "
                f"RSS {self.rss_kib / 1024:.1f} MiB")


def measure(pid: int) -> Rest:
    """CPU ticks over REST_WINDOW, then threads and RSS."""
    before = cpu_ticks(pid)
    time.sleep(REST_WINDOW)
    return Rest(cpu_ticks(pid) - before, thread_count(pid), rss_kib(pid))


class EscapeServer:
    """The suite's `gizmolua serve`, started again when a test leaves it dead or
    not at rest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process = None
        self.rest: Rest | None = None
        self.poisoned = True
        self.starts = 0

    @property
    def base(self) -> str:
        return self.process.url

    @property
    def pid(self) -> int:
        return self.process.proc.pid

    @property
    def folder(self) -> Path:
        return self.root / f"serve{self.starts}" / "gizmos"

    def ready(self) -> "EscapeServer":
        if self.process is None or self.poisoned or self.process.proc.poll() is not None:
            self.stop()
            self.start()
        self.poisoned = True  # until the test finds it at rest again
        return self

    def start(self) -> None:
        self.starts += 1
        shutil.copytree(GIZMOS, self.folder)
        data = self.root / f"serve{self.starts}" / "data"
        self.process = start_serve(self.folder, extra_args=("--cpu-limit", CPU_LIMIT), grace="1",
                                   env={"GIZMO_DATA_DIR": str(data)})
        self.warm_up()
        self.settle()
        self.rest = measure(self.pid)
        print(f"\nserver {self.starts} at rest after a warm-up of {WARM_UP_SESSIONS} sessions: {self.rest}")

    def warm_up(self) -> None:
        """A wave of ordinary sessions, so the rest figures include what any
        busy server keeps (threads, allocator arenas), not only an unused one."""
        with ThreadPoolExecutor(WARM_UP_SESSIONS) as pool:
            pages = list(pool.map(lambda _: self.open_bystander(), range(WARM_UP_SESSIONS)))
        for page in pages:
            page.close()
        still = self.wait_ended([page.session_id for page in pages])
        assert not still, f"warm-up sessions did not end: {still}"

    def settle(self, quiet: float = 6.0) -> None:
        """Wait (at most REST_DEADLINE) until the thread count has not fallen for
        `quiet` seconds: idle worker threads of the warm-up leave after a few seconds."""
        lowest, since = thread_count(self.pid), time.monotonic()
        give_up = since + REST_DEADLINE
        while time.monotonic() - since < quiet and time.monotonic() < give_up:
            time.sleep(0.5)
            now = thread_count(self.pid)
            if now < lowest:
                lowest, since = now, time.monotonic()

    def open_bystander(self, name: str = "bystander") -> PageClient:
        page = PageClient.open(self.base, *BYSTANDER, name=name)
        page.click("Click me")
        page.wait_text("clicked 1")
        return page

    def wait_ended(self, session_ids: list[str]) -> list[str]:
        return sessions_still_live(self.base, session_ids)

    def crash(self) -> str | None:
        """The line in which the server reported a crash (a Swift runtime trap), if any."""
        return next((line for line in self.process.stderr.splitlines()
                     if "Fatal error" in line or "Backtracing" in line), None)

    def at_rest(self) -> list[str]:
        """Wait until CPU, threads and RSS are back near the rest figures; what is
        not, at the deadline."""
        rest = self.rest
        cpu_allowed = REST_CPU_SHARE * REST_WINDOW * CLOCK_TICKS
        deadline = time.monotonic() + REST_DEADLINE
        while True:
            now = measure(self.pid)
            problems = []
            if now.cpu_ticks > cpu_allowed:
                problems.append(f"CPU: {now.cpu_ticks} ticks in {REST_WINDOW:.0f} s (allowed {cpu_allowed:.0f}; "
                                f"{CLOCK_TICKS} a second is one core busy)")
            if now.threads > rest.threads + REST_THREADS:
                problems.append(f"threads: {now.threads} (rest {rest.threads}, allowed +{REST_THREADS})")
            if now.rss_kib > rest.rss_kib * REST_RSS_SHARE:
                problems.append(f"RSS: {now.rss_kib / 1024:.1f} MiB (rest {rest.rss_kib / 1024:.1f} MiB, "
                                f"allowed +{(REST_RSS_SHARE - 1) * 100:.0f}%)")
            if not problems or time.monotonic() > deadline:
                if not problems:
                    print(f"at rest again: {now}")
                return problems

    def stderr_tail(self, chars: int = 2500) -> str:
        return self.process.stderr[-chars:] if self.process else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None


@pytest.fixture(scope="module")
def escape_server(tmp_path_factory):
    server = EscapeServer(tmp_path_factory.mktemp("escapes"))
    yield server
    server.stop()


# ---- driving one road ------------------------------------------------------------------


@dataclass
class RoadResult:
    road: Road
    session_id: str = ""
    problems: list[str] = field(default_factory=list)
    ended: bool = False  # the session was ended (a close)


def is_cpu_stop(command: Command) -> bool:
    return command.stops_with("CPU limit")


class RoadDriver:
    """Drives one road's session through its attack and the checks after it."""

    def __init__(self, server: EscapeServer, road: Road, attacked: threading.Event) -> None:
        self.server = server
        self.road = road
        self.attacked = attacked
        self.result = RoadResult(road)
        self.page: PageClient | None = None
        self.pings = 0

    def run(self) -> RoadResult:
        try:
            if self.road.kind == "early reply":
                self.early_reply()
            else:
                self.page = PageClient.open(self.server.base, MODULE, self.road.script, name=self.road.id)
                self.result.session_id = self.page.session_id
                mark = self.page.click(self.road.label, **self.road.fields)
                self.attacked.set()
                self.after_attack(mark)
        except AssertionError as failure:
            self.result.problems.append(str(failure))
        except Exception as error:  # a refused connection, a server that died
            self.result.problems.append(f"{type(error).__name__}: {error}")
        finally:
            self.attacked.set()
            if self.page is not None:
                self.page.close()
        return self.result

    def problem(self, text: str) -> None:
        self.result.problems.append(text)

    # the checks

    def after_attack(self, mark: int) -> None:
        road = self.road
        if road.stopped_by and not self.stopped(mark):
            return
        if road.kind == "reload" and not self.reloaded():
            return
        if road.paths:
            self.runtime_paths(mark)
        elif not self.result.ended:
            self.goes_on()

    def stopped(self, mark: int) -> bool:
        """Wait for the message that stops the attack; false when the road has failed or ended."""
        road, page = self.road, self.page
        accept = road.stopped_by
        returned = f"attack returned: {road.name}"

        def outcome():
            for command in page.commands[mark:]:
                if (command.is_error or command.is_close) and accept(command.message):
                    return command
            if road.on_return in ("fail", "ok") and returned in page.state.texts():
                return "returned"
            return None

        try:
            found = page.wait_until(outcome, DEADLINE, f"error naming {road.expected}")
        except AssertionError as failure:
            self.problem(f"not stopped: {failure}")
            return False
        if found == "returned":
            if road.on_return == "fail":
                self.problem(f"the attack returned without being stopped (expected an error naming "
                             f"{road.expected}); errors since the click: {page.errors(mark)[:5]}")
                return False
            return True
        if found.is_close:
            self.result.ended = True
            return False
        return True

    def reloaded(self) -> bool:
        """Change the script's file; the reload must happen or be stopped by a limit."""
        page = self.page
        page.wait_text("attack returned: ")
        script = self.server.folder / MODULE / f"{self.road.script}.lua"
        since = page.mark()
        with open(script, "a") as file:
            file.write("\n-- changed by test_escapes.py, to reload the session\n")
        try:
            found = page.wait_command(
                lambda c: c.is_render or ((c.is_error or c.is_close or c.is_overlay)
                                          and any(s in c.message for s in TIME_OR_MEMORY)),
                "render after the file changed, or an error naming a limit", since)
        except AssertionError as failure:
            self.problem(f"the reload neither happened nor was stopped: {failure}")
            return False
        if found.is_close:
            self.result.ended = True
            return False
        return True

    def goes_on(self) -> None:
        """A click and a render still work."""
        self.ping()
        if not self.result.problems:
            self.render()

    def ping(self, lenient: bool = False) -> bool:
        self.pings += 1
        return self.step(f"a click (ping -> pong {self.pings})", lambda: self.page.click("ping"),
                         lambda: f"pong {self.pings}" in self.page.state.texts(), lenient)

    def render(self, lenient: bool = False) -> bool:
        since = self.page.mark()
        return self.step("a render after a second hello", self.page.send_hello,
                         lambda: self.page.find(lambda c: c.is_render, since), lenient)

    def step(self, what: str, act: Callable[[], object], done: Callable[[], object], lenient: bool) -> bool:
        """Act, then wait until `done()`; with `lenient`, a stop by the CPU limit
        will do instead. False (and a problem) if neither happens, or the session ended."""
        page = self.page
        since = page.mark()
        act()

        def check():
            if done():
                return "done"
            # A close is final, whenever it came; a CPU stop counts only for this step.
            ended = next((c for c in page.commands if c.is_close), None)
            return ended or (lenient and next((c for c in page.commands[since:] if is_cpu_stop(c)), None))

        try:
            found = page.wait_until(check, DEADLINE, what)
        except AssertionError as failure:
            self.problem(f"{what} did not happen: {failure}")
            return False
        if isinstance(found, Command) and found.is_close:
            if not (lenient and is_cpu_stop(found)):
                self.problem(f"{what}: the session was ended: {found.message}")
            self.result.ended = True
            return False
        return True

    def runtime_paths(self, mark: int) -> None:
        """Every path the runtime takes that could meet what the attack changed."""
        page, lenient = self.page, self.road.paths == "lenient"
        steps = [
            ("an error report", lambda: None, lambda: page.find(lambda c: c.is_error, mark)),
            ("the timer's run", lambda: None, lambda: "timer ran" in page.state.texts()),
        ]
        for what, act, done in steps:
            if not self.step(what, act, done, lenient):
                return
        if not self.render(lenient) or not self.ping(lenient):
            return
        if not self.step("a click on the victim", lambda: page.click("victim"),
                         lambda: "victim clicked" in page.state.texts(), lenient):
            return
        page.report_page_error(f"page error after {self.road.label}")
        if not self.ping(lenient):
            return
        if not lenient:
            stops = [c.message for c in page.commands[mark:] if is_cpu_stop(c)]
            if stops:
                self.problem(f"the runtime ran the script's replacement (it hit the CPU limit): {stops[:3]}")

    def early_reply(self) -> None:
        """A `reply` before `hello` for the main code's gz.get, then hello: the
        main code must go on."""
        server = self.server
        self.page = PageClient.open(server.base, MODULE, self.road.script, name=self.road.id, hello=False)
        self.result.session_id = self.page.session_id
        page = self.page
        page.reply_raw(1, 42)  # the main code's gz.get is the session's first request
        self.attacked.set()
        page.hello()
        get = page.find(lambda c: c.is_request)
        if get is not None:
            page.answer(get, 7)
        try:
            page.wait_until(lambda: any(t.startswith("main went on") for t in page.state.texts()), DEADLINE,
                            "text 'main went on: ...' (the main code's next step)")
        except AssertionError as failure:
            self.problem(f"the main code was stranded: {failure}")
            return
        self.goes_on()


# ---- a class of roads -----------------------------------------------------------------------


class Bystander:
    """A session of the click counter that must answer whatever the attacks do."""

    def __init__(self, page: PageClient) -> None:
        self.page = page
        self.clicks = 1  # open_bystander clicked once

    def answers(self, when: str) -> list[str]:
        self.clicks += 1
        try:
            self.page.click("Click me")
            self.page.wait_text(f"clicked {self.clicks}")
            return []
        except AssertionError as failure:
            return [f"the bystander did not answer {when}: {failure}"]

    def close(self) -> None:
        self.page.close()


def check_class(server: EscapeServer, roads: list[Road]) -> None:
    roads = selected(roads)
    if not roads:
        pytest.skip("ESCAPE_ROADS selects none of this class's roads")
    server.ready()
    problems: list[str] = []

    bystander = Bystander(server.open_bystander())
    events = [threading.Event() for _ in roads]
    with ThreadPoolExecutor(len(roads)) as pool:
        futures = [pool.submit(RoadDriver(server, road, event).run) for road, event in zip(roads, events)]
        deadline = time.monotonic() + DEADLINE
        for event in events:
            event.wait(max(0.0, deadline - time.monotonic()))
        problems += bystander.answers("while the attacks ran")
        results = [future.result() for future in futures]

    for result in results:
        problems += [f"{result.road.id}: {p}" for p in result.problems]
    crash = server.crash()
    if crash:
        problems.append(f"the server crashed: {crash}")
    elif server.process.proc.poll() is not None:
        problems.append(f"the server exited (code {server.process.proc.returncode})")
    else:
        problems += bystander.answers("after the attacks")
        bystander.close()
        still = server.wait_ended([r.session_id for r in results if r.session_id] + [bystander.page.session_id])
        if still:
            problems.append(f"{len(still)} sessions still live {DEADLINE:.0f} s after their pages closed: {still[:5]}")
        problems += [f"not at rest: {p}" for p in server.at_rest()]
        try:
            fresh = PageClient.open(server.base, *BYSTANDER, name="a new session")
            fresh.click("Click me")
            fresh.wait_text("clicked 1")
            fresh.close()
        except Exception as failure:
            problems.append(f"a new session did not start and render: {failure}")

    if problems:
        stopped = [r.road.id for r in results if not r.problems]
        raise AssertionError(
            f"{len([r for r in results if r.problems])} of {len(results)} roads failed"
            + (f" (passed: {', '.join(stopped)})" if stopped else "") + ":\n- "
            + "\n- ".join(problems) + f"\nserver stderr (tail):\n{server.stderr_tail()}")
    server.poisoned = False


@pytest.mark.parametrize("escape_class", list(CLASSES))
def test_each_attack_costs_only_its_own_session(escape_server, escape_class):
    check_class(escape_server, CLASSES[escape_class])
