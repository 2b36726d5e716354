"""The command line: failures of `gizmolua run` (one clear line on stderr and
exit code 1), its reminder of a link nobody opened, and `gizmolua new`."""

import json
import os
import re
import resource
from pathlib import Path

import pytest

from gizmo_support import (BIN, GIZMOS, REPO, click, line_of, nonempty_lines, open_gizmo, run_to_exit, start_command,
                           start_linked, start_serve, wait_text)


def test_missing_script_is_one_stderr_line(tmp_path):
    missing = tmp_path / "no_such_gizmo.lua"
    result = run_to_exit("run", str(missing), "--no-browser", "--port", "0", "--grace", "2")

    assert result.returncode == 1, result
    lines = nonempty_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "no_such_gizmo.lua" in lines[0]
    assert "GIZMO_LINK" not in result.stdout


def test_syntax_error_is_file_line_message(tmp_path):
    script = GIZMOS / "bad_syntax.lua"
    line = line_of(script, "= = 1")
    result = run_to_exit("run", str(script), "--no-browser", "--port", "0", "--grace", "2")

    assert result.returncode == 1, result
    lines = nonempty_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert re.search(rf"bad_syntax\.lua:{line}: \S", lines[0]), lines[0]
    assert "GIZMO_LINK" not in result.stdout


# ---- a link nobody opens -------------------------------------------------------


def test_a_link_nobody_opens_is_repeated_on_stderr(gizmo):
    process = gizmo(GIZMOS / "click_counter.lua", "--remind-after", "1")
    stderr = process.wait_for_stderr(lambda text: process.url in text, timeout=30)

    assert "gizmolua: nobody has opened the link in 1 s; the gizmo waits for its page at:" in stderr, stderr
    assert f"  {process.url}\n" in stderr, stderr
    assert "GIZMO_LINK" not in stderr  # tools reading stdout see the link once


def test_an_opened_link_gets_no_reminder(gizmo, page):
    # The page opens well within 15 s; the debug line says the reminder's time came.
    process = gizmo(GIZMOS / "click_counter.lua", "--remind-after", "15", env={"GIZMO_LOG_LEVEL": "debug"})
    open_gizmo(page, process.url)
    stderr = process.wait_for_stderr(lambda text: "no reminder" in text, timeout=60)

    assert "the link was opened within 15 s; no reminder" in stderr, stderr
    assert "nobody has opened" not in stderr


def test_remind_after_must_be_a_sensible_number():
    for wrong in ("--remind-after=-1", "--remind-after=nan", "--remind-after=1e300"):
        result = run_to_exit("run", str(GIZMOS / "click_counter.lua"), "--no-browser", wrong)

        assert result.returncode != 0
        assert "--remind-after must be from 0 (never) to 31536000 seconds" in result.stderr, result.stderr


# ---- gizmolua new --------------------------------------------------------------


def test_new_makes_a_module_that_runs_in_the_browser(tmp_path, gizmo, page):
    result = run_to_exit("new", "tally", "--in", str(tmp_path))

    assert result.returncode == 0, result.stderr
    module = tmp_path / "tally"
    assert sorted(p.name for p in module.iterdir()) == [".luarc.json", "init.lua", "tally.lua", "tally_test.lua"]
    assert f"gizmolua run {module}/tally.lua" in result.stdout
    assert f"gizmolua test {module}" in result.stdout
    for name in ("init.lua", "tally.lua", "tally_test.lua", ".luarc.json"):
        assert name in result.stdout
    # A binary run from its build folder points the editor at the source tree's library.
    settings = json.loads((module / ".luarc.json").read_text())
    library = Path(settings["workspace.library"][0])
    assert (library / "gizmo.lua").is_file(), settings
    assert library == REPO / "Sources" / "GizmoLua" / "Resources"

    process = gizmo(module / "tally.lua", env={"GIZMO_DATA_DIR": str(tmp_path / "data")})
    open_gizmo(page, process.url)
    wait_text(page, "No clicks yet.")
    click(page, "Count")
    wait_text(page, "1 click")
    click(page, "Count")
    wait_text(page, "2 clicks")


def test_new_never_overwrites(tmp_path):
    assert run_to_exit("new", "tally", "--in", str(tmp_path)).returncode == 0
    script = tmp_path / "tally" / "tally.lua"
    script.write_text("-- mine\n")

    result = run_to_exit("new", "tally", "--in", str(tmp_path))

    assert result.returncode == 1
    lines = nonempty_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "tally already exists; nothing was changed" in lines[0]
    assert script.read_text() == "-- mine\n"


def test_new_says_what_a_name_may_hold(tmp_path):
    result = run_to_exit("new", "my gizmo", "--in", str(tmp_path))

    assert result.returncode == 1
    lines = nonempty_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "'my gizmo' cannot be a module's name" in lines[0]
    assert "letters, digits, _, - and ." in lines[0]
    assert list(tmp_path.iterdir()) == []



def test_serve_raises_its_descriptor_limit_and_says_when_max_sessions_does_not_fit(tmp_path):
    """Many systems start programs with a soft limit of 1,024 open files
    under a far higher hard one; every open page holds a socket. The server
    raises its soft limit to the hard one, and says when --max-sessions
    would not fit in what it may hold."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY or hard <= 1024:
        pytest.skip(f"the hard limit ({hard}) leaves nothing to raise")
    script = f"ulimit -Sn 1024 && exec {BIN} serve {GIZMOS} --port 0 --max-sessions {hard + 1}"
    server = start_command(["bash", "-c", script])
    try:
        limits = Path(f"/proc/{server.proc.pid}/limits").read_text()
        soft = next(line.split()[3] for line in limits.splitlines() if line.startswith("Max open files"))
        assert int(soft) == hard
        note = server.wait_for_stderr(lambda e: "--max-sessions" in e)
        assert f"--max-sessions {hard + 1} needs about" in note and f"may hold {hard}" in note
    finally:
        server.stop()


def test_serve_does_not_start_without_the_store_it_was_given(tmp_path):
    """A replica told to keep its stores in PostgreSQL does not serve with
    none: it exits with the reason in one line, and never the password."""
    (tmp_path / "hello.lua").write_text('local gz = require("gizmo")\ngz.Text("hello"):show()\n')
    unreachable = run_to_exit("serve", str(tmp_path), "--port", "0", "--store", "postgres://gizmo:s3cret@127.0.0.1:1/gizmo")
    assert unreachable.returncode == 1, unreachable
    lines = nonempty_lines(unreachable.stderr)
    assert len(lines) == 1, unreachable.stderr
    assert "cannot be used" in lines[0] and "did not answer" in lines[0], lines[0]
    assert "s3cret" not in unreachable.stderr and "****" in lines[0]
    assert "GIZMO_LINK" not in unreachable.stdout

    not_a_url = run_to_exit("serve", str(tmp_path), "--port", "0", "--store", "mysql://x")
    assert not_a_url.returncode == 1 and "--store must be a URL like postgres://" in not_a_url.stderr, not_a_url


NOTE_SCRIPT = """-- Shows the module's note, and writes it.
local gz = require("gizmo")
local shown = gz.Text("note: none")
gz.store.watch("note", function(note) shown:text("note: " .. tostring(note)) end)
gz.Stack({ shown, gz.Button("Write", { on_click = function()
  gz.store.set("note", "written by a page")
end }) }):show()
"""


def test_run_and_serve_share_a_modules_store_in_postgresql(tmp_path, windows):
    """`run --store` keeps its module's store where `serve --store` does: a
    page of `gizmolua run` writes, and a page of `gizmolua serve` on the
    same module sees it live."""
    url = os.environ.get("GIZMO_TEST_POSTGRES_URL")
    if not url:
        pytest.fail("GIZMO_TEST_POSTGRES_URL is unset: run through Tests/postgres/with-cluster.sh (make test does)")
    module = tmp_path / "notes"
    module.mkdir()
    (module / "note.lua").write_text(NOTE_SCRIPT)
    data = {"GIZMO_DATA_DIR": str(tmp_path / "data")}
    served = start_serve(tmp_path, extra_args=("--store", url), env=data)
    ran = start_linked("run", str(module / "note.lua"), "--no-browser", "--port", "0", "--store", url, env=data)
    try:
        on_run = windows.open(ran.url)
        on_serve = windows.open(f"{served.url}?module=notes&script=note")
        with windows.inside(on_run) as page:
            wait_text(page, "note: nil")
            click(page, "Write")
        with windows.inside(on_serve) as page:
            wait_text(page, "note: written by a page")
        assert "the modules' stores are in PostgreSQL" in ran.stderr
    finally:
        ran.stop()
        served.stop()


def test_run_does_not_start_without_the_store_it_was_given(tmp_path):
    (tmp_path / "hello.lua").write_text('local gz = require("gizmo")\ngz.Text("hello"):show()\n')
    unreachable = run_to_exit("run", str(tmp_path / "hello.lua"), "--no-browser", "--port", "0",
                              "--store", "postgres://gizmo:s3cret@127.0.0.1:1/gizmo")
    assert unreachable.returncode == 1, unreachable
    lines = nonempty_lines(unreachable.stderr)
    assert len(lines) == 1 and "cannot be used" in lines[0], unreachable.stderr
    assert "s3cret" not in unreachable.stderr and "GIZMO_LINK" not in unreachable.stdout
