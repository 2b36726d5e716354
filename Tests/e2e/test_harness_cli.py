"""`gizmolua test` from the command line: exit codes, the report, paths."""

import subprocess
import time

from gizmo_support import BIN, REPO, child_env

HARNESS = REPO / "Tests" / "harness"


def gizmolua_test(*args: str, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), "test", *args], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=child_env())


def test_a_failing_test_names_its_line_and_exits_1():
    result = gizmolua_test("Tests/harness/failing")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  Tests/harness/failing/failing_test.lua:5  fails at line 5" in result.stdout
    assert "| nothing here" in result.stdout
    assert "failing_test.lua:8: arithmetic" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("1 passed, 2 failed")


def test_passing_tests_exit_0_with_one_line_each():
    result = gizmolua_test("shop", cwd=HARNESS)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert all(line.startswith("ok    shop/shop_test.lua  ") for line in lines[:-1]), result.stdout
    assert lines[-1].startswith(f"{len(lines) - 1} passed, 0 failed")


def test_the_default_path_is_the_current_folder():
    result = gizmolua_test(cwd=HARNESS / "shop")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    shop_test.lua  " in result.stdout


def test_every_demo_passes_its_tests_in_under_five_seconds():
    """The issue's bar, checked once here as a correctness run; the time is
    printed by the command itself and recorded in docs/performance.md, not
    asserted (a loaded CI machine is slower)."""
    started = time.monotonic()
    result = gizmolua_test("scripts", "--allow-read=/proc")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout.strip().splitlines()[-1]
    print(f"gizmolua test scripts: {time.monotonic() - started:.2f} s")


def test_a_missing_path_is_an_error():
    result = gizmolua_test("no/such/folder")
    assert result.returncode == 1
    assert "no/such/folder: no such file or folder" in result.stdout


def test_a_new_module_passes_its_own_tests(tmp_path):
    made = subprocess.run([str(BIN), "new", "tally", "--in", str(tmp_path)], capture_output=True, text=True,
                          timeout=60, env=child_env())
    assert made.returncode == 0, made.stdout + made.stderr
    result = gizmolua_test("tally", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("3 passed, 0 failed")


def test_the_command_lines_store_limits_reach_the_tests():
    result = gizmolua_test("Tests/harness/limits", "--store-value-limit", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    # Without the flag the same value fits, and the test's expectation fails.
    assert gizmolua_test("Tests/harness/limits").returncode == 1
