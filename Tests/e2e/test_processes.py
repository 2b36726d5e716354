"""Programs a gizmo starts (gz.spawn) never outlive what owns them: a
module's service starts two (one that ends on TERM, one that ignores it),
and no program of theirs is left alive after the service is reloaded, nor
after the server is killed with SIGKILL (each program runs under setpriv
--pdeathsig KILL, docs/architecture.md, "Processes"). No browser: the
service logs the pids, and /proc says whether they live."""

from __future__ import annotations

import re
import signal
import time

from process_support import alive
from gizmo_support import start_serve

MODULE = "jobs"

SERVICE = """\
-- Starts two programs and logs their pids ({run}).
local gz = require("gizmo")
local calm = gz.spawn({{"sleep", "1000"}})
local stubborn = gz.spawn({{"sh", "-c", "trap '' TERM; while :; do sleep 1; done"}})
gz.log("pids {run}: " .. calm.pid .. " " .. stubborn.pid)
"""

PAGE = """\
-- A page of the module.
local gz = require("gizmo")
gz.Text("jobs"):show()
"""

PIDS = re.compile(r"pids (\w+): (\d+) (\d+)")


def pids_of(stderr: str, run: str) -> list[int]:
    for found in PIDS.finditer(stderr):
        if found.group(1) == run:
            return [int(found.group(2)), int(found.group(3))]
    return []


def wait_until(predicate, timeout: float = 60) -> bool:
    """Polls `predicate` until it holds (a deadline, not a duration asserted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_no_program_outlives_a_reload_or_a_kill_9(tmp_path):
    folder = tmp_path / "scripts" / MODULE
    folder.mkdir(parents=True)
    (folder / "init.lua").write_text(SERVICE.format(run="first"))
    (folder / "page.lua").write_text(PAGE)

    server = start_serve(tmp_path / "scripts", env={"GIZMO_ALLOW_RUN": "sleep,sh"})
    try:
        server.wait_for_stderr(lambda e: pids_of(e, "first"), timeout=60)
        first = pids_of(server.stderr, "first")
        assert first and all(alive(pid) for pid in first), f"the service did not start its programs:\n{server.stderr[-2000:]}"

        # A reload of the service ends its programs: TERM, then KILL for the one ignoring it.
        (folder / "init.lua").write_text(SERVICE.format(run="second"))
        server.wait_for_stderr(lambda e: pids_of(e, "second"), timeout=60)
        second = pids_of(server.stderr, "second")
        assert second, f"the service did not restart:\n{server.stderr[-2000:]}"
        assert wait_until(lambda: not any(alive(pid) for pid in first)), \
            f"programs of the reloaded service still run: {[pid for pid in first if alive(pid)]}"

        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=10)
        server.finish_output()
        assert wait_until(lambda: not any(alive(pid) for pid in second)), \
            f"programs outlived the server's kill -9: {[pid for pid in second if alive(pid)]}"
    finally:
        server.stop()
