"""gz.tail and gz.fetch through `gizmolua serve` and its grants: a log
granted with --allow-read is followed into the page, a host granted with
--allow-net is called, and without the grants the page shows the refusal
naming the flag. (The details of following and fetching are the unit
tests': TailTests, FetchTests.)"""

import http.server
import json
import threading

import pytest

from page_client import PageClient

TAIL = """-- follows a log
local gz = require("gizmo")
local lines = {}
local text = gz.Text("nothing yet")
text:show()
local ok, problem = pcall(function()
    gz.tail(%s, {from = "start", on_line = function(line)
        lines[#lines + 1] = line
        text:text(table.concat(lines, "|"))
    end})
end)
if not ok then text:text(problem) end
"""

FETCH = """-- calls a status endpoint
local gz = require("gizmo")
local text = gz.Text("nothing yet")
text:show()
local ok, r, problem = pcall(gz.fetch, %s)
if not ok then text:text(r) elseif r then text:text(r.status .. " " .. r.body) else text:text(problem) end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII is a Lua string


@pytest.fixture
def status_server():
    """An HTTP server on 127.0.0.1 answering {"state": "running"}; its port."""
    class Status(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"state":"running"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def module_with(tmp_path, name: str, text: str):
    module = tmp_path / "watch"
    module.mkdir(exist_ok=True)
    (module / f"{name}.lua").write_text(text)
    return module


def test_a_granted_log_is_followed_into_the_page(serve, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "job.log"
    log.write_text("one\ntwo\n")
    server = serve(module_with(tmp_path, "tail_log", TAIL % lua_string(str(log))),
                   extra_args=(f"--allow-read={logs}",))
    page = PageClient.open(server.url, "watch", "tail_log")
    page.wait_text("one|two")
    with log.open("a") as f:
        f.write("three\n")
    page.wait_text("one|two|three")
    page.close()


def test_without_the_grant_the_page_shows_the_refusal(serve, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "job.log"
    log.write_text("secret\n")
    server = serve(module_with(tmp_path, "tail_log", TAIL % lua_string(str(log))))
    page = PageClient.open(server.url, "watch", "tail_log")
    resolved = str(log.resolve())
    # At the script's line (Lua shortens the long path of the file before it).
    refusal = (f'tail_log.lua:7: gz.tail: reading "{resolved}" is not allowed; '
               f"start gizmolua with --allow-read={resolved}")
    page.wait_until(lambda: any(text.endswith(refusal) for text in page.state.texts()), 30, "the refusal")
    page.close()


def test_a_granted_host_is_called(serve, tmp_path, status_server):
    url = f"http://127.0.0.1:{status_server}/status"
    server = serve(module_with(tmp_path, "status", FETCH % lua_string(url)),
                   extra_args=(f"--allow-net=127.0.0.1:{status_server}",))
    page = PageClient.open(server.url, "watch", "status")
    page.wait_text('200 {"state":"running"}')
    page.close()


def test_a_host_not_granted_is_refused_with_the_flag(serve, tmp_path, status_server):
    url = f"http://127.0.0.1:{status_server}/status"
    server = serve(module_with(tmp_path, "status", FETCH % lua_string(url)),
                   env={"GIZMO_ALLOW_NET": f"127.0.0.1:{status_server + 1}"})
    page = PageClient.open(server.url, "watch", "status")
    page.wait_text(f'gz.fetch: reaching "127.0.0.1:{status_server}" is not allowed; '
                   f"start gizmolua with --allow-net=127.0.0.1:{status_server}")
    page.close()
