"""gz.write_file under a kill -9: the target holds the old text or the new,
never a part, and the temporary file left beside it is removed by the next
server that uses the data folder."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

WRITER = """\
local gz = require("gizmo")
local path = gz.data_path("big.txt")
local n = 0
gz.every(0.02, function()
    n = n + 1
    gz.write_file(path, string.rep(string.char(65 + n % 26), 8 * 1024 * 1024))
end)
gz.Text("writing"):show()
"""

USER = """\
local gz = require("gizmo")
gz.Text("using " .. gz.data_path("big.txt")):show()
"""

SIZE = 8 * 1024 * 1024


def temporaries(folder: Path) -> list[Path]:
    return list(folder.glob(".big.txt.gizmo-tmp-*")) if folder.exists() else []


def test_a_kill_during_a_write_leaves_a_whole_file_and_the_next_server_cleans_up(gizmo, tmp_path):
    module = tmp_path / "scripts" / "writer"
    module.mkdir(parents=True)
    (module / "writer.lua").write_text(WRITER)
    (module / "user.lua").write_text(USER)
    data = tmp_path / "data"
    folder = data / "writer"
    env = {"GIZMO_DATA_DIR": str(data)}

    # Kill the server once a write is under way (its temporary file exists);
    # a rename can still win the race to the kill, so try again, a bounded
    # number of times, until one is caught mid-write.
    left: list[Path] = []
    for _attempt in range(20):
        run = gizmo(module / "writer.lua", env=env)
        deadline = time.monotonic() + 30
        while not temporaries(folder) and time.monotonic() < deadline:
            time.sleep(0.001)
        assert temporaries(folder), "no write began within 30 s"
        os.kill(run.proc.pid, signal.SIGKILL)
        run.proc.wait(timeout=10)
        target = folder / "big.txt"
        if target.exists():
            text = target.read_bytes()
            assert len(text) == SIZE and len(set(text)) == 1, "the target holds a part of a write"
        left = temporaries(folder)
        if left:
            break
    assert left, "no kill landed during a write in 20 tries"
    assert all(f".gizmo-tmp-{run.proc.pid}-" in path.name for path in left)

    user = gizmo(module / "user.lua", env=env)
    deadline = time.monotonic() + 30
    while temporaries(folder) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not temporaries(folder), "the next server did not remove the temporary file"
    assert user.proc.poll() is None
