"""Grants on the command line and in the environment: nothing by default,
bad grants stop the server with the reason, and a module's entry page shows
what its scripts were granted."""

from gizmo_support import REPO, http_get, nonempty_lines, run_to_exit

SCRIPTS = REPO / "scripts"


def module_page(server, module: str) -> str:
    status, body = http_get(f"{server.url}?module={module}")
    assert status == 200, (status, body)
    return body


def test_a_module_page_says_when_nothing_is_granted(serve):
    server = serve(SCRIPTS / "live_board")
    body = module_page(server, "live_board")
    assert "<h2>Granted</h2>" in body
    assert "no programs, no other files, no network, no signals" in body


def test_a_module_page_lists_the_flags_and_the_environment_together(serve):
    server = serve(
        SCRIPTS / "live_board",
        extra_args=("--allow-run=/bin/sh", "--allow-net", "localhost:9,example.org"),
        env={"GIZMO_ALLOW_READ": "/proc", "GIZMO_ALLOW_SIGNAL": "1"},
    )
    body = module_page(server, "live_board")
    assert "<li>run: /bin/sh</li>" in body
    assert "<li>read: /proc</li>" in body
    assert "<li>net: localhost:9, example.org</li>" in body
    assert "<li>signal: processes gizmolua did not start</li>" in body


def test_a_bad_grant_stops_the_server_with_the_reason(tmp_path):
    cases = [
        (("--allow-read=relative/logs",), {}, "--allow-read: relative/logs must be an absolute path"),
        (("--allow-net=host:0",), {}, "--allow-net: host:0 has no port from 1 to 65535 after the colon"),
        ((), {"GIZMO_ALLOW_SIGNAL": "maybe"}, "GIZMO_ALLOW_SIGNAL=maybe: use 1 to grant, 0 or empty not to"),
    ]
    for args, env, message in cases:
        result = run_to_exit("serve", str(SCRIPTS / "live_board"), "--port", "0", *args, env=env)
        assert result.returncode != 0, result
        assert any(message in line for line in nonempty_lines(result.stderr)), (message, result.stderr)
