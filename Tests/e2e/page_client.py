"""A child page without a browser: a raw WebSocket client of the gizmo protocol.

The escape suite and the attack bars drive sessions through this module: it
launches a session through `serve`'s entry URL, opens the session's socket,
says hello, and keeps what a page would know (the node tree of the last
`render` and the commands after it), so a test can find a button by its text
and click it, wait for a command, or send any text at all.

Every fact about the shape of frames lives in this module and nowhere else
(docs/protocol.md, version 2, is the reference): `PageState` makes the
messages a page sends (with its page id and their numbers) and reads the
frames the server sends (their headers, numbers and addressees). When the
protocol changes, this module changes and the tests do not. Two clients
share it: `PageClient` (a thread reads its frames, for tests that do one
thing at a time) and `AsyncPage` (asyncio, for hundreds of sessions at once).
"""

from __future__ import annotations

import asyncio
import http.client
import inspect
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as connect_sync

PROTOCOL_VERSION = 2
# Seconds for anything a test waits for, unless it says otherwise; shorter
# only to see quickly what fails against a build known to fail.
DEADLINE = float(os.environ.get("GIZMO_E2E_DEADLINE", "30"))

# websockets 16 and later warn unless a directly used sync connection says so.
SYNC_CONNECT_OPTIONS = {"legacy": True} if "legacy" in inspect.signature(connect_sync).parameters else {}


@dataclass
class Command:
    """One command the server sent: its op, its message (error, close,
    overlay; "" for others), and its fields as sent (for tests that print them)."""

    op: str
    message: str
    fields: dict

    def mentions(self, text: str) -> bool:
        return text in self.message

    # What a command is, so tests need not know the ops' names.

    @property
    def is_render(self) -> bool:
        """The whole tree (the answer to a fresh hello)."""
        return self.op == "render"

    @property
    def is_error(self) -> bool:
        """An error shown in the page; the session goes on."""
        return self.op == "error"

    @property
    def is_close(self) -> bool:
        """The session has ended."""
        return self.op == "close"

    @property
    def is_overlay(self) -> bool:
        """A hot reload failed; the page keeps the last good run."""
        return self.op == "overlay"

    @property
    def is_request(self) -> bool:
        """The page is asked for a value (gz.get) and should answer."""
        return self.op == "get"

    def stops_with(self, text: str) -> bool:
        """An error or a close whose message contains `text`."""
        return (self.is_error or self.is_close) and text in self.message

    def __str__(self) -> str:
        shown = json.dumps(self.fields)
        return shown if len(shown) <= 300 else shown[:300] + "..."


# ---- launching a session ---------------------------------------------------------


def entry_target(module: str, script: str) -> str:
    return f"/?module={quote(module)}&script={quote(script)}"


def session_id_from(status: int, location: str, body: str = "") -> str:
    """The session id from the entry URL's answer: a 303 to
    `gizmo/http/<ID>/index.html`. Anything else fails with what came back."""
    parts = location.lstrip("/").split("/")
    if status != 303 or len(parts) < 3 or parts[:2] != ["gizmo", "http"]:
        raise AssertionError(f"launch: HTTP {status}, Location {location!r}\n{body[:500]}")
    return parts[2]


def launch(base: str, module: str, script: str, timeout: float = DEADLINE) -> str:
    """Start a session of `module/script` through `serve`'s entry URL and
    return its id (the redirect is read, not followed)."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request("GET", entry_target(module, script))
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return session_id_from(response.status, response.getheader("Location") or "", body)
    finally:
        connection.close()


def child_page_path(session_id: str) -> str:
    return f"/gizmo/http/{session_id}/index.html"


def socket_url(base: str, session_id: str) -> str:
    url = urlsplit(base)
    return f"ws://{url.hostname}:{url.port}/gizmo/ws/{session_id}"


def session_is_live(base: str, session_id: str, timeout: float = 10) -> bool:
    """Whether the session still serves its child page (an ended one is a 404)."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request("GET", child_page_path(session_id))
        response = connection.getresponse()
        response.read()
        return response.status != 404
    finally:
        connection.close()


def sessions_still_live(base: str, session_ids: list[str], timeout: float = DEADLINE) -> list[str]:
    """Poll the sessions' child pages until each is a 404 (its session has
    ended); the ones still live (or not answering) at the deadline."""
    deadline = time.monotonic() + timeout
    pending = list(session_ids)
    while pending and time.monotonic() < deadline:
        pending = [s for s in pending if _live_or_silent(base, s)]
        if pending:
            time.sleep(0.2)
    return pending


def _live_or_silent(base: str, session_id: str) -> bool:
    try:
        return session_is_live(base, session_id)
    except OSError:  # no answer at all
        return True


async def launch_async(base: str, module: str, script: str, timeout: float = DEADLINE) -> str:
    """`launch` on asyncio streams, for many sessions at once."""

    async def get() -> str:
        url = urlsplit(base)
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        try:
            writer.write(f"GET {entry_target(module, script)} HTTP/1.1\r\n"
                         f"Host: {url.hostname}:{url.port}\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            body = (await reader.read()).decode("utf-8", "replace")
        finally:
            writer.close()
        status = int(head[0].split(" ", 2)[1])
        location = next((line.split(":", 1)[1].strip() for line in head[1:]
                         if line.lower().startswith("location:")), "")
        return session_id_from(status, location, body)

    return await asyncio.wait_for(get(), timeout)


# ---- what a page knows, and the frames it sends ----------------------------------


@dataclass
class Node:
    """A component as the page has it: enough to find a button and its handler."""

    id: Any
    tag: str = "div"
    text: str | None = None
    classes: list[str] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)
    on: dict = field(default_factory=dict)  # event -> callback id
    kids: list["Node"] = field(default_factory=list)
    parent: "Node | None" = None


class PageState:
    """The protocol as a page speaks it (version 2): the messages it sends,
    numbered, and the node tree it builds from the frames it receives.
    Not thread-safe by itself: `PageClient` holds locks around it."""

    def __init__(self) -> None:
        self.page_id = "test-" + secrets.token_hex(6)
        self.last_message = 0  # `m` of the last message sent
        self.last_frame: int | None = None  # `n` of the last frame applied
        self.generation: Any = None  # `g` of the last render
        self.root: Node | None = None
        self.nodes: dict[Any, Node] = {}
        self.renders = 0

    # messages the page sends

    def hello(self) -> str:
        """The hello of a newly loaded page (no frame applied): its answer is a full render."""
        return json.dumps({"t": "hello", "v": PROTOCOL_VERSION, "p": self.page_id, "n": None})

    def _message(self, fields: dict) -> str:
        self.last_message += 1
        return json.dumps({**fields, "p": self.page_id, "m": self.last_message})

    def call(self, callback: Any, *args: Any) -> str:
        return self._message({"t": "call", "g": self.generation, "cb": callback, "args": list(args)})

    def click_event(self, **fields: Any) -> dict:
        """The JSON-safe fields of a click, plus any a test adds (a visitor's text)."""
        return {"type": "click", "button": 0, **fields}

    def reply(self, request: Any, value: Any = None, error: str | None = None) -> str:
        if error is not None:
            return self._message({"t": "reply", "req": request, "ok": False, "err": error})
        return self._message({"t": "reply", "req": request, "ok": True, "v": value})

    def answer(self, get: Command, value: Any = None, error: str | None = None) -> str:
        """The reply to a `get` command the page received."""
        return self.reply(get.fields.get("req"), value, error)

    def page_error(self, message: str) -> str:
        return self._message({"t": "error", "msg": message})

    # frames the page receives

    def after_frame(self) -> str | None:
        """What the page sends back once it has applied a frame (nothing: the
        server learns what the page applied from its next hello)."""
        return None

    def receive(self, text: str) -> list[Command]:
        """The commands of one frame, applied to the tree in order; its header,
        replayed frames and commands addressed to other pages are left out,
        and so are acks (they only tell the page what it may forget)."""
        commands = json.loads(text)
        if not isinstance(commands, list):
            raise ValueError(f"a frame that is not a list of commands: {text[:200]!r}")
        header = commands[0] if commands and isinstance(commands[0], dict) else {}
        if header.get("op") == "welcome":
            self.last_frame = header.get("n")
            commands = commands[1:]
        elif header.get("op") == "frame":
            n = header.get("n")
            if isinstance(n, int) and self.last_frame is not None and n <= self.last_frame:
                return []  # a replay of a frame applied already
            if isinstance(n, int):
                self.last_frame = n
            commands = commands[1:]
        out = []
        for fields in commands:
            if not isinstance(fields, dict) or fields.get("to", self.page_id) != self.page_id:
                continue
            op = fields.get("op", "")
            if op == "ack":
                continue
            self._apply(op, fields)
            message = fields.get("msg") if op in ("error", "close", "overlay", "notice") else ""
            out.append(Command(op=op, message=str(message or ""), fields=fields))
        return out

    def _build(self, spec: dict, parent: Node | None) -> Node:
        node = Node(
            id=spec.get("id"),
            tag=spec.get("tag") or ("" if spec.get("outer") else "div"),
            text=spec.get("text"),
            classes=list(spec.get("cls") or []),
            attrs=dict(spec.get("attrs") or {}),
            on=dict(spec.get("on") or {}),
            parent=parent,
        )
        self.nodes[node.id] = node
        node.kids = [self._build(kid, node) for kid in spec.get("kids") or []]
        return node

    def _forget(self, node: Node) -> None:
        self.nodes.pop(node.id, None)
        for kid in node.kids:
            self._forget(kid)

    def _detach(self, node: Node) -> None:
        if node.parent is not None and node in node.parent.kids:
            node.parent.kids.remove(node)

    def _apply(self, op: str, c: dict) -> None:
        if op == "render":
            self.nodes = {}
            self.root = self._build(c.get("node") or {}, None)
            self.generation = c.get("g")
            self.renders += 1
            return
        node = self.nodes.get(c.get("id"))
        if node is None:
            return
        if op in ("text", "html"):
            for kid in node.kids:
                self._forget(kid)
            node.kids = []
            node.text = c.get("v") if op == "text" else None
        elif op == "append":
            old = self.nodes.get((c.get("node") or {}).get("id"))
            if old is not None:
                self._detach(old)
                self._forget(old)
            node.kids.append(self._build(c.get("node") or {}, node))
        elif op == "kids":
            for kid in node.kids:
                self._forget(kid)
            node.kids = [self._build(kid, node) for kid in c.get("nodes") or []]
        elif op == "on":
            if c.get("cb") is None:
                node.on.pop(c.get("event"), None)
            else:
                node.on[c.get("event")] = c.get("cb")
        elif op == "attr":
            for name, value in (c.get("v") or {}).items():
                if value is False or value is None:
                    node.attrs.pop(name, None)
                else:
                    node.attrs[name] = value
        elif op == "class":
            if c.get("add") and c["add"] not in node.classes:
                node.classes.append(c["add"])
            if c.get("remove") in node.classes:
                node.classes.remove(c["remove"])

    # questions about the tree

    def all_nodes(self) -> list[Node]:
        found, todo = [], [self.root] if self.root else []
        while todo:
            node = todo.pop()
            found.append(node)
            todo.extend(node.kids)
        return found

    def button_callback(self, label: str) -> Any | None:
        """The click callback of the button whose text is `label`, if it is there."""
        for node in self.all_nodes():
            if node.tag == "button" and (node.text or "").strip() == label and "click" in node.on:
                return node.on["click"]
        return None

    def texts(self) -> list[str]:
        return [node.text for node in self.all_nodes() if node.text is not None]


# ---- a page driven from a test's thread ------------------------------------------


class PageClient:
    """One page of one session: its socket, read by a thread of its own.

    Every command received is kept in `commands`, in order; `mark()` and the
    `since` argument of the waits let a test look only at what came after
    a step. A wait fails with what the page did receive.
    """

    def __init__(self, base: str, session_id: str, name: str = "page") -> None:
        self.base = base
        self.session_id = session_id
        self.name = name
        self.state = PageState()
        self.commands: list[Command] = []
        self.closed = False  # the socket ended
        self.close_reason = ""
        self._changed = threading.Condition()
        self._sending = threading.Lock()
        self._socket = None
        self._reader: threading.Thread | None = None

    @classmethod
    def open(cls, base: str, module: str, script: str, name: str | None = None,
             hello: bool = True, timeout: float = DEADLINE) -> "PageClient":
        """Launch a session, connect its page and, with `hello`, wait for its render."""
        page = cls(base, launch(base, module, script, timeout), name or script)
        page.connect(timeout)
        if hello:
            page.hello(timeout)
        return page

    def connect(self, timeout: float = DEADLINE) -> None:
        self._socket = connect_sync(socket_url(self.base, self.session_id), proxy=None, open_timeout=timeout,
                                    max_size=None, compression=None, ping_interval=None, close_timeout=2,
                                    **SYNC_CONNECT_OPTIONS)
        self._reader = threading.Thread(target=self._read, name=f"page {self.name}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for text in self._socket:
                if isinstance(text, bytes):
                    text = text.decode("utf-8", "replace")
                with self._changed:
                    try:
                        commands = self.state.receive(text)
                    except ValueError as error:  # not JSON, or not a list
                        commands = [Command("(unreadable frame)", str(error), {"text": text[:300]})]
                    self.commands.extend(commands)
                    answer = self.state.after_frame()
                    self._changed.notify_all()
                if answer is not None:
                    self.send_raw(answer)
        except ConnectionClosed as closed:
            self.close_reason = str(closed)
        except OSError as error:
            self.close_reason = f"{type(error).__name__}: {error}"
        finally:
            with self._changed:
                self.closed = True
                self._changed.notify_all()

    # sending

    def send_raw(self, text: str) -> None:
        """Send any text at all, as it is."""
        with self._sending:
            self._socket.send(text)

    def _send(self, make: Callable[[], str]) -> None:
        # A page's messages are numbered: they must leave in the order they were made.
        with self._sending:
            self._socket.send(make())

    def hello(self, timeout: float = DEADLINE) -> Command:
        """Say hello (again, if it was said before) and wait for the render it gets."""
        since = self.mark()
        self._send(self.state.hello)
        return self.wait_command(lambda c: c.is_render, "render", since, timeout)

    def send_hello(self) -> int:
        """Say hello without waiting; the mark from before it."""
        since = self.mark()
        self._send(self.state.hello)
        return since

    def click(self, label: str, timeout: float = DEADLINE, **event_fields: Any) -> int:
        """Click the button labelled `label` (waiting for it to be in the tree),
        with the click's fields plus `event_fields`; the mark from before it."""
        def found():  # a list, so that a callback id 0 counts as found
            callback = self.state.button_callback(label)
            return [callback] if callback is not None else None

        callback = self.wait_until(found, timeout, f"a button labelled {label!r} with a click handler")[0]
        since = self.mark()
        self._send(lambda: self.state.call(callback, self.state.click_event(**event_fields)))
        return since

    def answer(self, get: Command, value: Any = None, error: str | None = None) -> None:
        self._send(lambda: self.state.answer(get, value, error))

    def reply_raw(self, request: Any, value: Any = None, error: str | None = None) -> None:
        """A reply for a request id the page never saw (before hello, say)."""
        self._send(lambda: self.state.reply(request, value, error))

    def report_page_error(self, message: str) -> int:
        since = self.mark()
        self._send(lambda: self.state.page_error(message))
        return since

    def close(self) -> None:
        if self._socket is not None:
            try:
                self._socket.close()
            except Exception:
                pass
        if self._reader is not None:
            self._reader.join(5)

    # waiting

    def mark(self) -> int:
        with self._changed:
            return len(self.commands)

    def wait_until(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        """Wait until `check()` (called under the page's lock) is truthy; return it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = check()
                if found:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.closed and not found):
                    raise AssertionError(f"{self.name}: no {what} within {timeout:.0f} s\n{self.describe()}")
                self._changed.wait(min(remaining, 1))

    def find(self, predicate: Callable[[Command], bool], since: int = 0) -> Command | None:
        with self._changed:
            return next((c for c in self.commands[since:] if predicate(c)), None)

    def wait_command(self, predicate: Callable[[Command], bool], what: str, since: int = 0,
                     timeout: float = DEADLINE) -> Command:
        return self.wait_until(lambda: next((c for c in self.commands[since:] if predicate(c)), None),
                               timeout, what)

    def wait_for(self, op: str | tuple[str, ...], contains: str | tuple[str, ...] = "", since: int = 0,
                 timeout: float = DEADLINE) -> Command:
        """The first command since `since` whose op is (one of) `op` and whose
        message contains (one of) `contains`."""
        ops = (op,) if isinstance(op, str) else op
        needles = (contains,) if isinstance(contains, str) else contains
        what = f"{'/'.join(ops)} command" + (f" mentioning {' or '.join(map(repr, needles))}" if any(needles) else "")
        return self.wait_command(lambda c: c.op in ops and any(n in c.message for n in needles), what, since, timeout)

    def wait_text(self, text: str, timeout: float = DEADLINE) -> None:
        """Wait until a component of the page shows exactly `text`."""
        self.wait_until(lambda: text in self.state.texts(), timeout, f"component reading {text!r}")

    def wait_closed(self, timeout: float = DEADLINE) -> None:
        self.wait_until(lambda: self.closed, timeout, "end of the socket")

    def errors(self, since: int = 0) -> list[str]:
        with self._changed:
            return [c.message for c in self.commands[since:] if c.is_error or c.is_close or c.is_overlay]

    def describe(self) -> str:
        """What the page got (the last commands) and shows, for a failure's message."""
        last = self.commands[-12:]
        lines = [f"  socket {'closed: ' + self.close_reason if self.closed else 'open'}; "
                 f"{len(self.commands)} commands, {self.state.renders} renders; texts {self.state.texts()[:12]!r}"]
        lines += [f"  {c}" for c in last]
        return "\n".join(lines)


# ---- many pages at once, on asyncio ----------------------------------------------


class AsyncPage:
    """One page on asyncio, for hundreds of sessions at once: no thread of
    its own; `wait_for` reads frames until one matches."""

    def __init__(self, base: str, session_id: str) -> None:
        self.base = base
        self.session_id = session_id
        self.state = PageState()
        self.commands: list[Command] = []
        self.socket = None

    @classmethod
    async def open(cls, base: str, module: str, script: str, timeout: float = DEADLINE) -> "AsyncPage":
        """Launch a session and join it: see `join`."""
        return await cls.join(base, await launch_async(base, module, script, timeout), timeout)

    @classmethod
    async def join(cls, base: str, session_id: str, timeout: float = DEADLINE) -> "AsyncPage":
        """Connect a page to the session and say hello; its render is not awaited.
        A session that ended meanwhile may answer with its close and shut the
        socket: the close is still there for `wait_close`."""
        from websockets.asyncio.client import connect

        page = cls(base, session_id)
        page.socket = await asyncio.wait_for(
            connect(socket_url(base, session_id), proxy=None, open_timeout=None, max_size=None,
                    compression=None, ping_interval=None, close_timeout=2), timeout)
        try:
            await page.socket.send(page.state.hello())
        except ConnectionClosed:
            pass
        return page

    async def wait_command(self, predicate: Callable[[Command], bool], timeout: float = DEADLINE) -> Command:
        """Read frames until a command satisfies `predicate` (one already read counts)."""

        async def read() -> Command:
            for command in self.commands:
                if predicate(command):
                    return command
            while True:
                text = await self.socket.recv()
                commands = self.state.receive(text)
                self.commands.extend(commands)
                answer = self.state.after_frame()
                if answer is not None:
                    await self.socket.send(answer)
                for command in commands:
                    if predicate(command):
                        return command

        return await asyncio.wait_for(read(), timeout)

    async def wait_render(self, timeout: float = DEADLINE) -> Command:
        return await self.wait_command(lambda c: c.is_render, timeout)

    async def wait_close(self, timeout: float = DEADLINE) -> Command:
        return await self.wait_command(lambda c: c.is_close, timeout)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
