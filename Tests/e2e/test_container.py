"""The container image (the Dockerfile's runtime stage), run with podman and
real port publishing, checked from the host's headless Chromium: the serve
recipe with the direct script URL, the single-gizmo recipe of H5Gizmos
(GIZMO_USE_SERVER_ADDRESS + GIZMO_USE_PORT), the token the image asks for
(it listens on all interfaces), hello_env's list of names, the HEALTHCHECK,
the non-root user, `podman stop`, and the bad inputs of the issue (an empty
or unreadable scripts volume, a port already taken).

Marked `container`: `make test` leaves them out (pytest.ini), `make
container-test` builds the image and runs them. GIZMOLUA_CONTAINER_IMAGE names
the image (default localhost/gizmolua:test).
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import socket
import subprocess
import time
import uuid
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from gizmo_support import (
    GizmoProcess,
    http_get,
    open_gizmo,
    start_command,
    terminate,
    wait,
    wait_connected,
    wait_text,
)
from test_host_allow_list import get as raw_get
from test_waveform_poem import wait_ready

pytestmark = pytest.mark.container

IMAGE = os.environ.get("GIZMOLUA_CONTAINER_IMAGE", "localhost/gizmolua:test")
# runc, as the Makefile builds with, and limits no higher than this machine's
# hard ones: podman's defaults (nofile 1048576, nproc 4194304) are refused by
# a sandbox that may not raise them ("error setting rlimit type 7").
PODMAN = ["podman", "--runtime", "runc"]
LIMITS = ["--ulimit", f"nofile=1024:{resource.getrlimit(resource.RLIMIT_NOFILE)[1]}",
          "--ulimit", "nproc=1024:1024"]
DEMOS = "some_gizmo_demos"
POEM = "/scripts/waveform_poem/waveform_poem.lua"
# What the printed link ends in: the image listens beyond loopback, so it asks a token.
TOKEN_QUERY = r"\?token=([0-9a-f]{64})"
GIVEN_TOKEN = "container-test-token-0d5e8c1f7a3b9e2d4c6a8f0b1d3e5c7a"


def podman(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*PODMAN, *args], capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    """A port free on the host now: the test publishes it as itself, as the
    recipes publish 5555:5555, without colliding with other servers here."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", autouse=True)
def image():
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed: run `make container-test`")
    if podman("image", "exists", IMAGE).returncode != 0:
        pytest.fail(f"no image {IMAGE}: run `make container-test`, which builds it")
    return IMAGE


class Container:
    """A `podman run` in the foreground (its stdout and stderr are ours) with a name of its own."""

    def __init__(self, run_args: list[str], command: list[str]):
        self.name = f"gizmolua-test-{uuid.uuid4().hex[:12]}"
        self.args = [*PODMAN, "run", "--rm", "--name", self.name, *LIMITS, *run_args, IMAGE, *command]
        self.process: GizmoProcess | None = None

    def start(self) -> GizmoProcess:
        """Start it and wait for its ` GIZMO_LINK: ` line."""
        self.process = start_command(self.args)
        return self.process

    def start_to_exit(self, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run it until it exits (the failure cases)."""
        return subprocess.run(self.args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def remove(self) -> None:
        podman("rm", "--force", "--time", "0", self.name)
        if self.process is not None:
            terminate(self.process.proc)


@pytest.fixture
def container():
    """A factory: `container(run_args, command=[])`; every container is removed when the test ends."""
    made: list[Container] = []

    def make(run_args: list[str], command: list[str] | None = None) -> Container:
        c = Container(run_args, command or [])
        made.append(c)
        return c

    yield make
    for c in made:
        c.remove()


def recipe_env(port: int) -> list[str]:
    return ["--env", "GIZMO_USE_SERVER_ADDRESS=localhost", "--env", f"GIZMO_USE_PORT={port}",
            "--publish", f"{port}:{port}"]


def token_of(url: str, before: str) -> str:
    """The made token at the end of a printed link that starts with `before`."""
    match = re.fullmatch(re.escape(before) + TOKEN_QUERY, url)
    assert match, url
    return match.group(1)


def test_serve_answers_the_direct_script_url_from_the_host(container, page):
    port = free_port()
    c = container(recipe_env(port))  # the image's CMD: gizmolua serve /scripts --no-reload
    server = c.start()
    token = token_of(server.url, f"http://localhost:{port}/")
    assert http_get(f"http://localhost:{port}/healthz")[0] == 200

    page.get(f"http://localhost:{port}/?server=localhost&port={port}&module={DEMOS}&script=hello_curves&token={token}")
    wait_connected(page)
    assert page.current_url.startswith(f"http://localhost:{port}/gizmo/http/MGR_"), page.current_url
    wait_text(page, "drawn 1 times")
    page.find_elements(By.CSS_SELECTOR, "input.gz-slider")[0].send_keys(Keys.ARROW_RIGHT)
    wait_text(page, "drawn 2 times")

    # The HEALTHCHECK of the image (bash /dev/tcp, no curl), run now rather than on its timer.
    health = podman("healthcheck", "run", c.name)
    assert health.returncode == 0, (health.stdout, health.stderr)
    # Not root, and both of the server's streams reach `podman logs`.
    assert podman("exec", c.name, "id", "-u").stdout.strip() == "10001"
    logs = podman("logs", c.name)
    assert f"GIZMO_LINK: {server.url}" in logs.stdout + logs.stderr, logs


def test_the_default_port_is_9898_and_the_link_names_the_container(container, page):
    port = free_port()
    c = container(["--publish", f"{port}:9898"])
    server = c.start()
    hostname = podman("inspect", "--format", "{{.Config.Hostname}}", c.name).stdout.strip()
    token = token_of(server.url, f"http://{hostname}:9898/")
    page.get(f"http://localhost:{port}/?token={token}")
    wait(page).until(lambda d: d.find_elements(By.LINK_TEXT, "hello_curves"), message="no hello_curves on the entry page")
    assert page.current_url == f"http://localhost:{port}/", "the token stayed in the address bar"


NEEDS_TOKEN = "This gizmo server needs its token"


def test_a_given_token_is_the_one_asked_for_and_pages_without_it_are_refused(container, page):
    port = free_port()
    c = container(["--publish", f"{port}:9898", "--env", f"GIZMO_TOKEN={GIVEN_TOKEN}"])
    server = c.start()
    assert server.url.endswith(f":9898/?token={GIVEN_TOKEN}"), server.link_line
    base = f"http://localhost:{port}/"
    page.get(f"{base}ping")
    page.delete_all_cookies()
    page.get(f"{base}?module={DEMOS}&script=hello_env")
    assert NEEDS_TOKEN in page.find_element(By.TAG_NAME, "body").text
    page.get(f"{base}?token={'0' * 64}")
    assert NEEDS_TOKEN in page.find_element(By.TAG_NAME, "body").text
    health = podman("healthcheck", "run", c.name)
    assert health.returncode == 0, (health.stdout, health.stderr)
    # A name the server does not know (DNS rebinding) is refused, token or not.
    status, _, body = raw_get(port, "/", f"evil.example:{port}", f"Authorization: token {GIVEN_TOKEN}\r\n")
    assert status == 403 and "--allow-host=evil.example" in body, (status, body)
    assert raw_get(port, "/", f"localhost:{port}", f"Authorization: token {GIVEN_TOKEN}\r\n")[0] == 200


def test_hello_env_in_the_image_shows_only_its_list_of_names(container, page):
    port = free_port()
    c = container(["--publish", f"{port}:9898", "--env", "DATABASE_URL=postgres://app:hunter2@db/app",
                   "--env", f"GIZMO_TOKEN={GIVEN_TOKEN}"])
    c.start()
    open_gizmo(page, f"http://localhost:{port}/?module={DEMOS}&script=hello_env&token={GIVEN_TOKEN}")
    wait(page).until(lambda d: "Goodbye." in d.find_element(By.TAG_NAME, "body").text)
    text = page.find_element(By.TAG_NAME, "body").text
    assert "GIZMO_DATA_DIR" in text and "/data" in text, text
    assert "GIZMO_TOKEN" in text and GIVEN_TOKEN not in text, text
    assert "DATABASE_URL" not in text and "hunter2" not in page.page_source, text


def test_run_prints_a_link_that_opens_from_the_host_and_exits_when_the_page_closes(container, page):
    port = free_port()
    c = container(recipe_env(port), ["gizmolua", "run", POEM])
    run = c.start()
    assert re.fullmatch(rf"http://localhost:{port}/gizmo/http/MGR_\d+_\d+/index\.html" + TOKEN_QUERY, run.url), run.link_line
    open_gizmo(page, run.url)
    wait_ready(page)  # the recording came over HTTP from the container and was decoded

    page.get("about:blank")
    closed = time.monotonic()
    # The page is gone: the session ends after the grace (3 s), the process and the container with it.
    assert run.proc.wait(timeout=20) == 0, run.stderr
    assert time.monotonic() - closed < 15
    run.finish_output()
    assert "no browser could be opened" in run.stderr  # no display in the container, said once
    assert podman("container", "exists", c.name).returncode != 0, "--rm left the container"


def test_run_without_the_variables_advertises_the_containers_name_and_a_free_port(container):
    c = container([], ["gizmolua", "run", "--no-browser", POEM])
    run = c.start()
    hostname = podman("inspect", "--format", "{{.Config.Hostname}}", c.name).stdout.strip()
    link = urlsplit(run.url)
    assert link.hostname == hostname, (hostname, run.link_line)
    assert link.port and link.port != 9898, run.link_line


def test_podman_stop_tells_the_page_and_exits_at_once(container, page):
    port = free_port()
    c = container(recipe_env(port))
    server = c.start()
    open_gizmo(page, f"http://localhost:{port}/?module={DEMOS}&script=hello_env&token={token_of(server.url, f'http://localhost:{port}/')}")
    started = time.monotonic()
    stop = podman("stop", "--time", "10", c.name)
    took = time.monotonic() - started
    assert stop.returncode == 0, stop.stderr
    assert took < 5, f"podman stop took {took:.1f} s: the server did not exit on SIGTERM"
    status = wait(page).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '#gz-status[data-state="closed"]')),
        message="the page was not told that the server stopped",
    )
    assert "stopping" in status.get_attribute("textContent")
    assert c.process.proc.wait(timeout=10) == 0, c.process.stderr


NO_SCRIPTS = "No gizmo scripts here yet."  # the entry page of a server with no modules


def test_an_empty_scripts_volume_serves_an_entry_page_that_says_so(container, page, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    port = free_port()
    c = container([*recipe_env(port), "--volume", f"{empty}:/scripts:ro"])
    server = c.start()
    assert "serving 0 modules, 0 scripts from /scripts" in server.stdout, server.stdout
    page.get(server.url)
    assert NO_SCRIPTS in page.find_element(By.TAG_NAME, "main").text


def unreadable_scripts(container, tmp_path) -> GizmoProcess:
    """serve on a volume that the image's user cannot list (root's, mode 700)."""
    locked = tmp_path / "locked"
    (locked / "mod").mkdir(parents=True)
    (locked / "mod" / "hello.lua").write_text('require("gizmo").Text("hi"):show()\n')
    locked.chmod(0o700)
    port = free_port()
    return container([*recipe_env(port), "--volume", f"{locked}:/scripts:ro"]).start()


def test_an_unreadable_scripts_volume_serves_an_entry_page_that_says_so(container, page, tmp_path):
    server = unreadable_scripts(container, tmp_path)
    assert "serving 0 modules, 0 scripts from /scripts" in server.stdout, server.stdout
    page.get(server.url)
    assert NO_SCRIPTS in page.find_element(By.TAG_NAME, "main").text


def test_an_unreadable_scripts_volume_is_named_in_the_log(container, tmp_path):
    server = unreadable_scripts(container, tmp_path)
    server.wait_for_stderr(lambda text: "/scripts" in text and "ermission" in text, timeout=3)
    assert re.search(r"/scripts.*ermission denied", server.stderr), server.stderr


def test_a_port_taken_inside_the_container_is_one_line_and_a_failure(container):
    # Two servers in one container: the second finds 9898 taken.
    c = container([], ["bash", "-c", "gizmolua serve /scripts & sleep 2; gizmolua serve /scripts --port 9898"])
    done = c.start_to_exit()
    assert done.returncode != 0, (done.stdout, done.stderr)
    assert "gizmolua: port 9898 on 0.0.0.0 is in use" in done.stderr, done.stderr


def test_the_image_grants_job_monitor_its_job_and_it_runs_as_the_image_user(container, page):
    """The image's GIZMO_ALLOW_* grant the demos; job_monitor's service starts
    train.sh through setpriv in the image, and the page shows it running."""
    port = free_port()
    c = container(recipe_env(port))
    server = c.start()
    token = token_of(server.url, f"http://localhost:{port}/")
    page.get(f"http://localhost:{port}/?module=job_monitor&token={token}")
    grants = [li.text for li in page.find_elements(By.CSS_SELECTOR, ".gz-grants li")]
    assert grants == ["run: /scripts/job_monitor/train.sh", "read: /proc"], grants
    page.get(f"http://localhost:{port}/?module=job_monitor&script=job_monitor&token={token}")
    wait_connected(page)
    wait(page, 60).until(lambda d: any(e.text.startswith("Run 1: Running, pid ")
                                       for e in d.find_elements(By.CSS_SELECTOR, ".job-state")),
                         message="job_monitor's job did not start in the image")
    # The job is a real process of the container, run by the image's user under the server.
    jobs = podman("exec", c.name, "sh", "-c", "for p in /proc/[0-9]*; do "
                  "grep -q train.sh $p/cmdline 2>/dev/null && stat -c %u $p; done")
    assert jobs.stdout.split() and set(jobs.stdout.split()) == {"10001"}, (jobs.stdout, jobs.stderr)
