"""A protocol fuzzer against a live server: tens of thousands of frames that
are half right or all wrong, from a seeded generator, sent down one page's
WebSocket while the page keeps reading. The server must not crash, the
session must not be lost (a real click still counts right afterwards), and
the server's memory must come back to rest.

`make test` sends FUZZ_FRAMES (default 10,000) frames; `make fuzz` sends a
million. A failure prints the seed: FUZZ_SEED=<seed> repeats the run.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gizmo_support import GIZMOS

FRAMES = int(os.environ.get("FUZZ_FRAMES", "10000"))
SEED = int(os.environ.get("FUZZ_SEED", str(int(time.time()))))
MAX_MESSAGE = 1 << 20


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("VmRSS:")).split()[1])


class FrameMaker:
    """Frames a page might send, then broken in every way a frame can break."""

    def __init__(self, rng: random.Random, callbacks: list[int]):
        self.rng = rng
        self.callbacks = callbacks
        self.m = 0

    def value(self, depth: int = 0):
        r = self.rng
        kinds = ["int", "float", "str", "bool", "null"] + (["list", "dict"] if depth < 4 else [])
        kind = r.choice(kinds)
        if kind == "int":
            return r.choice([0, -1, 1, 2**31, 2**53, -(2**63), 2**64, r.randint(-1000, 1000)])
        if kind == "float":
            return r.choice([0.5, -0.0, 1e308, 1e-308, r.uniform(-1e9, 1e9)])
        if kind == "str":
            return r.choice(["", "x" * r.randint(1, 300), "\u0000\u001b[31m\ufffd", "é☃𝄞", "<script>", "%s%n"])
        if kind == "bool":
            return r.random() < 0.5
        if kind == "null":
            return None
        if kind == "list":
            return [self.value(depth + 1) for _ in range(r.randint(0, 4))]
        return {r.choice(["t", "cb", "args", "req", "ok", "v", "p", "m", "g", "n", "x"]): self.value(depth + 1)
                for _ in range(r.randint(0, 5))}

    def valid(self) -> dict:
        r = self.rng
        self.m += 1
        kind = r.choice(["call", "call", "reply", "error", "hello"])
        if kind == "call":
            return {"t": "call", "p": "fuzz", "m": self.m, "g": r.choice([0, 0, 1, -1]),
                    "cb": r.choice(self.callbacks + [r.randint(-5, 10**6)]), "args": [self.value()]}
        if kind == "reply":
            return {"t": "reply", "p": "fuzz", "m": self.m, "req": r.randint(-3, 50), "ok": r.random() < 0.5,
                    "v": self.value(), "err": self.value()}
        if kind == "error":
            return {"t": "error", "p": "fuzz", "m": self.m, "msg": self.value()}
        return {"t": "hello", "v": r.choice([1, 2, 3, None]), "p": r.choice(["fuzz", "other", "", "ü" * 70]),
                "n": r.choice([None, 0, -1, 10**9, r.randint(0, 100)])}

    def mutate(self, message: dict) -> dict:
        r = self.rng
        for _ in range(r.randint(1, 3)):
            key = r.choice(list(message) + ["t", "cb", "args", "req", "p", "m", "g"])
            if r.random() < 0.3:
                message.pop(key, None)
            else:
                message[key] = self.value()
        return message

    def text(self) -> str | bytes:
        r = self.rng
        choice = r.random()
        if choice < 0.35:
            return json.dumps(self.valid())
        if choice < 0.65:
            return json.dumps(self.mutate(self.valid()))
        if choice < 0.75:
            text = json.dumps(self.valid())
            return text[: r.randint(0, len(text))]  # truncated
        if choice < 0.82:
            return json.dumps(self.value())  # not an object, or an object without t
        if choice < 0.86:
            depth = r.randint(90, 3000)
            return "[" * depth + "]" * depth  # nested past the decoder's limit
        if choice < 0.88:
            return json.dumps({"t": "call", "cb": 1, "args": ["x" * (MAX_MESSAGE + r.randint(-100, 100))]})
        if choice < 0.93:
            return bytes(r.getrandbits(8) for _ in range(r.randint(0, 64)))  # a binary frame
        return "".join(chr(r.choice([r.randint(0, 0x7f), r.randint(0x80, 0xd7ff), r.randint(0xe000, 0x10ffff)]))
                       for _ in range(r.randint(0, 64)))


def test_fuzzed_frames_cost_no_session_and_no_memory(gizmo):
    run = gizmo(GIZMOS / "click_counter.lua", grace="30")
    ws_url = run.url.replace("http://", "ws://", 1).replace("/gizmo/http/", "/gizmo/ws/").removesuffix("/index.html")
    rng = random.Random(SEED)
    print(f"FUZZ_SEED={SEED} FUZZ_FRAMES={FRAMES}")

    async def drain(ws, frames: list[list]):
        """Keeps the frames a page would apply: numbered ones once each, in
        order (a fuzzed hello may make the server replay some)."""
        last = -1
        try:
            async for message in ws:
                frame = json.loads(message)
                header = frame[0] if frame and isinstance(frame[0], dict) else {}
                if header.get("op") == "welcome":
                    # A fuzzed hello names any frame: frames replayed after it
                    # that this page has applied already are skipped.
                    last = max(last, header["n"]) if header.get("resume") else header["n"]
                elif header.get("op") == "frame" and "n" in header:
                    if header["n"] <= last:
                        continue
                    last = header["n"]
                frames.append(frame)
        except ConnectionClosed:
            pass

    def texts(frames: list[list]) -> list[str]:
        return [c.get("v") for frame in frames for c in frame if isinstance(c, dict) and c.get("op") == "text"]

    async def scenario() -> None:
        async with connect(ws_url, proxy=None, max_size=8 << 20) as ws:
            await ws.send(json.dumps({"t": "hello", "v": 2, "p": "fuzz"}))
            welcome = json.loads(await ws.recv())
            render = next(c for c in welcome if c.get("op") == "render")
            callback = render["node"]["kids"][0]["on"]["click"]
            frames: list[list] = []
            reader = asyncio.create_task(drain(ws, frames))
            maker = FrameMaker(rng, [callback])
            # Rest is the server warmed up (its threads, buffers and tables at
            # their working size), then idle: a few hundred frames of each kind first.
            for _ in range(500):
                await ws.send(maker.text())
            await asyncio.sleep(2)
            rest = rss_kib(run.proc.pid)
            for i in range(FRAMES):
                await ws.send(maker.text())
                if i % 500 == 0:
                    await asyncio.sleep(0)  # let the reader keep up
            # A real click after all that: the session is alive and counts right.
            clicks_before = sum(1 for t in texts(frames) if isinstance(t, str) and t.startswith("clicked"))
            await ws.send(json.dumps({"t": "call", "cb": callback, "args": [{}]}))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                done = [t for t in texts(frames) if isinstance(t, str) and t.startswith("clicked")]
                if len(done) > clicks_before:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"the session stopped answering (seed {SEED})")
            counts = [int(t.split()[1]) for t in texts(frames) if isinstance(t, str) and t.startswith("clicked ")]
            assert counts == list(range(1, len(counts) + 1)), f"clicks ran out of order or twice (seed {SEED})"
            assert run.proc.poll() is None, f"the server died (seed {SEED}):\n{run.stderr[-3000:]}"
            # Memory back near rest, the session still open, once its garbage is
            # collected and given back (within a second or two).
            deadline = time.monotonic() + 30
            while rss_kib(run.proc.pid) > rest * 1.2 and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            after = rss_kib(run.proc.pid)
            await ws.close()
            await reader
            assert after <= rest * 1.2, f"RSS {after} KiB after the fuzz, {rest} KiB at rest (seed {SEED})"

    asyncio.run(scenario())
