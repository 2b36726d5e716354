"""The crash test of gz.store: a module's service counts up with
gz.store.update as fast as the store acknowledges, logging each count it
got back; the server is killed (SIGKILL) mid-burst and started again on the
same data folder. The store must hold at least the last count logged (every
acknowledged update survives), and a value the burst wrote whole (never
torn). No browser: the service logs to stderr, and the SQLite file is read
with Python's sqlite3."""

from __future__ import annotations

import json
import re
import signal

from gizmo_support import start_serve
from store_support import MISSING, integrity, read_key

MODULE = "burst"
KILL_AFTER = 300  # acknowledged updates seen before the kill
LIMIT = 100_000  # the burst's end, far past the kill, so the kill falls mid-burst
PAD = 64  # copies of "<n>," in each value: several KiB, spanning pages of the file

# BURST=1: count up, each update its own turn (the wait ends the turn);
# otherwise: log the value the store holds at start, and do nothing else.
SERVICE = f"""\
-- Counts up in the store as fast as it acknowledges, for the crash test.
local gz = require("gizmo")
if gz.env.BURST ~= "1" then
    gz.log("at start: " .. gz.json.encode(gz.store.get("count")))
    return
end
gz.after(0, function()
    for _ = 1, {LIMIT} do
        local value = gz.store.update("count", function(old)
            local n = (old and old.n or 0) + 1
            return {{ n = n, pad = string.rep(n .. ",", {PAD}) }}
        end)
        gz.log("acked " .. value.n)
        gz.sleep(0)
    end
end)
"""

PAGE = """\
-- Shows the count.
local gz = require("gizmo")
gz.Text(tostring(gz.store.get("count"))):show()
"""

ACKED = re.compile(r"acked (\d+)")
AT_START = re.compile(r"at start: (.*?)\s*$", re.MULTILINE)


def whole(value) -> bool:
    """A value as the burst writes it: {n = k, pad = "k,k,...,"}."""
    return (isinstance(value, dict) and set(value) == {"n", "pad"} and isinstance(value["n"], int)
            and value["pad"] == f"{value['n']}," * PAD)


def acked_counts(text: str) -> list[int]:
    return [int(n) for n in ACKED.findall(text)]


def last_acked(text: str) -> int:
    counts = acked_counts(text)
    assert counts == list(range(1, len(counts) + 1)), "the burst's log skipped or repeated a count"
    return counts[-1] if counts else 0


def test_every_acknowledged_update_survives_kill_9(tmp_path):
    catalog = tmp_path / "scripts"
    folder = catalog / MODULE
    folder.mkdir(parents=True)
    (folder / "init.lua").write_text(SERVICE)
    (folder / "count.lua").write_text(PAGE)
    data = tmp_path / "data"

    server = start_serve(catalog, env={"GIZMO_DATA_DIR": str(data), "BURST": "1"})
    try:
        server.wait_for_stderr(lambda e: len(acked_counts(e)) >= KILL_AFTER, timeout=60)
        assert last_acked(server.stderr) >= KILL_AFTER, f"the burst did not get going:\n{server.stderr[-2000:]}"
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=10)
        server.finish_output()
    finally:
        server.stop()
    acked = last_acked(server.stderr)
    assert acked < LIMIT, "the burst had ended before the kill"

    again = start_serve(catalog, env={"GIZMO_DATA_DIR": str(data)})
    try:
        log = again.wait_for_stderr(lambda e: AT_START.search(e), timeout=30)
        found = AT_START.search(log)
        assert found, f"the restarted service did not log the count:\n{log}"
        value = json.loads(found.group(1))
    finally:
        again.stop()

    print(f"acknowledged {acked}, the store holds {value['n'] if isinstance(value, dict) else value}")
    assert whole(value), f"the store holds a value the burst did not write: {str(value)[:200]}"
    # At least the last acknowledged count; at most one more (the update the
    # store made durable just before the kill, whose line never got out).
    assert acked <= value["n"] <= acked + 1, f"acknowledged {acked}, the store holds {value['n']}"

    # The file itself, after a clean stop: whole, and holding that value.
    assert integrity(data, MODULE) == "ok"
    stored = read_key(data, MODULE, "count")
    assert stored is not MISSING and stored == value
