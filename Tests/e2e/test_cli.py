"""Failures of `gizmolua run`: one clear line on stderr and exit code 1."""

import re

from gizmo_support import GIZMOS, line_of, nonempty_lines, run_to_exit


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
