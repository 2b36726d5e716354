"""Replicas of `gizmolua serve` sharing one store in PostgreSQL (issue 17),
behind nginx configured as docs/deploy.md says (test_nginx.py reads the
configuration from that page): a simple_todo list shared live by pages on
two replicas; 10,000 increments from both replicas at once, none lost; the
job_monitor service run once, and taken over by the other replica when its
own is killed with SIGKILL; PostgreSQL stopped and started again while
pages write.

Needs a PostgreSQL cluster: `make e2e` runs pytest under
Tests/postgres/with-cluster.sh, which sets GIZMO_TEST_POSTGRES_URL (and
GIZMO_TEST_POSTGRES_DIR, where the test's pg_ctl finds it). Each test gets a
database of its own, made from that cluster's superuser and dropped after.
Nothing here asserts a time: the events are waited for with generous
deadlines, and the takeover's seconds are printed (pytest -s shows them).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
from glob import glob
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from gizmo_support import GIZMOS, REPO, port_of, wait, wait_connected
from page_client import PageClient
from process_support import alive
from test_job_monitor import click as click_enabled
from test_job_monitor import state_of, text_of, wait_state
from test_nginx import documented_config, nginx  # noqa: F401 (nginx is a fixture)
from test_todo import column, type_item, wait_columns

POSTGRES_URL = os.environ.get("GIZMO_TEST_POSTGRES_URL", "")
POSTGRES_DIR = os.environ.get("GIZMO_TEST_POSTGRES_DIR", "")

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="GIZMO_TEST_POSTGRES_URL is unset: "
                                "run under Tests/postgres/with-cluster.sh (make e2e does)")

REPLICA_GIZMOS = GIZMOS / "replicas"  # the module `replicas`: shared_counter, store_writer
DEMOS = REPO / "scripts" / "some_gizmo_demos"
JOB_MODULE = REPO / "scripts" / "job_monitor"
JOB = (JOB_MODULE / "train.sh").resolve()
LONG = 60  # seconds for anything across replicas or the database; machines are shared and loaded
TAKEOVER = 30  # seconds a standing-by replica gets to take a service over (documented: about 2 s)
CONFIG = "gizmolua-replicas.conf"
UPSTREAMS = (9898, 9899)  # the replicas' ports in the documented configuration: a, b


# ---- PostgreSQL ------------------------------------------------------------------


def postgres_bin(program: str) -> str:
    """Debian's newest PostgreSQL program, as with-cluster.sh picks it."""
    folders = sorted(glob("/usr/lib/postgresql/*/bin"), key=lambda f: [int(p) for p in re.findall(r"\d+", f)])
    if not folders:
        pytest.fail("PostgreSQL is not installed (apt-get install postgresql)")
    return str(Path(folders[-1]) / program)


def psql(url: str, sql: str, **variables: str) -> list[list[str]]:
    """Rows of `sql` (read from stdin, so `:'name'` takes `variables` quoted)."""
    args = [postgres_bin("psql"), url, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        args += ["-v", f"{name}={value}"]
    done = subprocess.run(args, input=sql, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    assert done.returncode == 0, f"psql: {done.stderr}\n{sql}"
    return [line.split("\t") for line in done.stdout.splitlines()]


def with_database(url: str, database: str, user: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc if user is None else f"{user}@{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, "/" + database, parts.query, parts.fragment))


@pytest.fixture
def store_url():
    """The URL of an empty database owned by the test cluster's role: one
    made for this test under with-cluster.sh (its superuser is `postgres`,
    trusted on loopback), or GIZMO_TEST_POSTGRES_URL's own, emptied."""
    if not POSTGRES_DIR:
        psql(POSTGRES_URL, "DO $$ BEGIN IF to_regclass('gizmo_entry') IS NOT NULL THEN "
                           "TRUNCATE gizmo_entry, gizmo_item, gizmo_module; END IF; END $$;")
        yield POSTGRES_URL
        return
    admin = with_database(POSTGRES_URL, "postgres", user="postgres")
    name = "gizmo_test_" + secrets.token_hex(4)
    owner = urlsplit(POSTGRES_URL).username
    psql(admin, f'CREATE DATABASE {name} OWNER "{owner}"')
    try:
        yield with_database(POSTGRES_URL, name)
    finally:
        psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def stored_value(url: str, module: str, key: str):
    """The key's JSON text as the store holds it (kind 1), or None."""
    rows = psql(url, "SELECT json FROM gizmo_entry WHERE module = :'m' AND key = :'k' AND kind = 1", m=module, k=key)
    return rows[0][0] if rows else None


def stored_items(url: str, module: str, key: str) -> list[str]:
    """The JSON texts of a list key's items, oldest first."""
    rows = psql(url, "SELECT json FROM gizmo_item WHERE module = :'m' AND key = :'k' ORDER BY seq", m=module, k=key)
    return [row[0] for row in rows]


def pg_ctl(*args: str) -> None:
    """pg_ctl on the test cluster, as its owner (PostgreSQL refuses root)."""
    command = [postgres_bin("pg_ctl"), "-D", str(Path(POSTGRES_DIR) / "data"), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"pg_ctl {' '.join(args)}: {done.stdout}{done.stderr}"


# ---- replicas, nginx and their processes -------------------------------------------


def start_replicas(serve, folder: Path, url: str, *extra_args: str, env: dict[str, str] | None = None):
    """Replicas a and b of `gizmolua serve FOLDER` on one store, each with a
    data folder of its own (the serve fixture's)."""
    return {name: serve(folder, extra_args=("--store", url, *extra_args), env=dict(env or {})) for name in "ab"}


def start_proxy(nginx, replicas):  # noqa: F811 (nginx is the fixture)
    return nginx(documented_config(CONFIG),
                 {documented: port_of(replicas[name].url) for documented, name in zip(UPSTREAMS, "ab")})


def launch_path(module: str, script: str) -> str:
    return f"?module={module}&script={script}"


def descendants(pid: int) -> list[int]:
    """Every process under `pid` (children, theirs, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        parent = int(text[text.rindex(")") + 2:].split()[1])
        children.setdefault(parent, []).append(int(stat.split("/")[2]))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def jobs_of(pid: int) -> list[int]:
    """The train.sh processes running under `pid`."""
    jobs = []
    for child in descendants(pid):
        try:
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if alive(child) and any(arg.endswith(b"train.sh") for arg in argv):
            jobs.append(child)
    return jobs


def wait_jobs(replicas, want: int) -> dict[str, list[int]]:
    """Waits until `want` train.sh processes run under the replicas together."""
    deadline = time.monotonic() + LONG
    while True:
        jobs = {name: jobs_of(server.proc.pid) for name, server in replicas.items() if server.proc.poll() is None}
        if sum(map(len, jobs.values())) == want:
            return jobs
        assert time.monotonic() < deadline, f"not {want} train.sh processes under the replicas: {jobs}"
        time.sleep(0.2)


# ---- 1. one to-do list, live, on both replicas ---------------------------------------


def add_item(page, text: str) -> None:
    type_item(page, text).send_keys(Keys.ENTER)


def test_a_todo_list_is_shared_live_by_pages_on_two_replicas(serve, nginx, windows, store_url):  # noqa: F811
    replicas = start_replicas(serve, DEMOS, store_url)
    proxy = start_proxy(nginx, replicas)
    todo = launch_path("some_gizmo_demos", "simple_todo")
    pages = {name: windows.open(f"{proxy.url}{name}/{todo}") for name in "ab"}
    for name, handle in pages.items():
        with windows.inside(handle) as page:
            assert page.current_url.startswith(f"{proxy.url}{name}/gizmo/http/"), page.current_url
            wait_columns(page, [], [])

    with windows.inside(pages["a"]) as page:
        add_item(page, "milk from a")
    with windows.inside(pages["b"]) as page:
        wait_columns(page, ["milk from a"], [])
        add_item(page, "eggs from b")
    with windows.inside(pages["a"]) as page:
        wait_columns(page, ["milk from a", "eggs from b"], [])
    with windows.inside(pages["b"]) as page:
        wait_columns(page, ["milk from a", "eggs from b"], [])
        assert column(page, "done") == []


# ---- 2. increments from both replicas at once -----------------------------------------

SESSIONS = 20  # half on each replica
CLICKS = 500  # per session: 10,000 in all
IN_FLIGHT = 10  # clicks a session sends before it waits for their updates
INCREMENTS_DEADLINE = 600  # seconds for all of them, on a loaded machine


def test_ten_thousand_increments_from_two_replicas_lose_none(serve, store_url):
    replicas = start_replicas(serve, REPLICA_GIZMOS, store_url)
    pages = [PageClient.open(replicas["ab"[i % 2]].url, "replicas", "shared_counter", name=f"page {i} on {'ab'[i % 2]}")
             for i in range(SESSIONS)]
    failures: list[str] = []
    deadline = time.monotonic() + INCREMENTS_DEADLINE

    def drive(page: PageClient) -> None:
        try:
            for sent in range(IN_FLIGHT, CLICKS + 1, IN_FLIGHT):
                for _ in range(IN_FLIGHT):
                    page.click("Add one")
                page.wait_text(f"done {sent}", timeout=max(deadline - time.monotonic(), 1))
            assert not page.errors(), page.errors()
        except BaseException as error:  # noqa: BLE001 (reported below, with the page's name)
            failures.append(f"{page.name}: {error}")

    started = time.monotonic()
    threads = [threading.Thread(target=drive, args=(page,)) for page in pages]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 1))
        assert not any(thread.is_alive() for thread in threads), "clicks still running at the deadline"
        assert not failures, "\n".join(failures)
        print(f"\n{SESSIONS * CLICKS} increments through {SESSIONS} sessions on 2 replicas: "
              f"{time.monotonic() - started:.1f} s")
        assert stored_value(store_url, "replicas", "n") == str(SESSIONS * CLICKS)
        # Every page's watch, on either replica, comes to the same total.
        for page in pages:
            page.wait_text(f"total {SESSIONS * CLICKS}", timeout=LONG)
    finally:
        for page in pages:
            page.close()


# ---- 3. job_monitor's service: once, and taken over -------------------------------------

SERVICE_RUNS = "service runs on this replica"  # ModuleService.takeOver's log line


def test_the_job_monitor_service_runs_once_and_moves_when_its_replica_is_killed(serve, nginx, windows, store_url):  # noqa: F811
    replicas = start_replicas(serve, JOB_MODULE, store_url, f"--allow-run={JOB}", env={"JOB_STEPS": "100000"})
    proxy = start_proxy(nginx, replicas)
    job_page = launch_path("job_monitor", "job_monitor")
    pages = {name: windows.open(f"{proxy.url}{name}/{job_page}") for name in "ab"}

    # One job, under one replica, and both pages show it.
    jobs = wait_jobs(replicas, 1)
    (owner,) = [name for name, pids in jobs.items() if pids]
    (survivor,) = set("ab") - {owner}
    (job,) = jobs[owner]
    for handle in pages.values():
        with windows.inside(handle) as page:
            assert wait_state(page, "Running", run=1)[3] == job
    assert replicas[owner].stderr.count(SERVICE_RUNS) == 1
    assert replicas[survivor].stderr.count(SERVICE_RUNS) == 0, replicas[survivor].stderr

    with windows.inside(pages[owner]) as page:
        owner_url = page.current_url  # its session's address, on the replica about to die

    # SIGKILL: the job dies with its replica, and the other replica runs the service.
    killed = time.monotonic()
    os.kill(replicas[owner].proc.pid, signal.SIGKILL)
    replicas[owner].proc.wait(10)
    took_over = replicas[survivor].wait_for_stderr(lambda text: SERVICE_RUNS in text, timeout=TAKEOVER)
    assert SERVICE_RUNS in took_over, f"replica {survivor} did not take the service over within {TAKEOVER} s:\n{took_over}"
    print(f"\njob_monitor's service taken over {time.monotonic() - killed:.2f} s after SIGKILL of its replica")
    deadline = time.monotonic() + LONG
    while alive(job):
        assert time.monotonic() < deadline, f"train.sh ({job}) outlived its replica"
        time.sleep(0.1)

    # The new run of init.lua finds the job of the last one in the store,
    # and says that it ended with its service; the page on the survivor
    # hears it.
    with windows.inside(pages[survivor]) as page:
        _, _, result, pid = wait_state(page, "Ended", run=1)
        assert result == "interrupted: the service stopped" and pid is None, (result, pid)

    # The page whose replica died: nginx sends its socket to the survivor,
    # which knows no such session and says so; the page opens its gizmo
    # again by itself (its launch link, through nginx): a new session on
    # the survivor, drawn from the shared store.
    with windows.inside(pages[owner]) as page:
        wait(page, LONG).until(
            lambda d: d.current_url != owner_url and "/gizmo/http/" in d.current_url,
            message="the page of the killed replica did not start its gizmo again")
        wait_connected(page)
        _, _, result, _ = wait_state(page, "Ended", run=1)
        assert result == "interrupted: the service stopped", result
        assert "run 1 started" in text_of(page, ".gz-log")
        click_enabled(page, "Start")
        run, _, _, second = wait_state(page, "Running", run=2)

    # The survivor runs the new job, and both pages show it.
    (new_job,) = wait_jobs(replicas, 1)[survivor]
    assert second == new_job
    with windows.inside(pages[survivor]) as page:
        assert wait_state(page, "Running", run=2)[3] == new_job
        assert state_of(page)[0] == 2


# ---- 4. PostgreSQL stopped and started under load ---------------------------------------

STORE_DOWN = "the store database"  # did not answer / cannot be reached / refused ...
NOT_MADE = "the change was not made"  # known: nothing was written
MAYBE_MADE = "the change may not have been made"  # a query sent and not answered


def test_writes_during_a_database_restart_fail_clearly_and_nothing_acknowledged_is_lost(serve, store_url):
    if not POSTGRES_DIR:
        pytest.fail("GIZMO_TEST_POSTGRES_DIR is unset: this test restarts the cluster with-cluster.sh made")
    replicas = start_replicas(serve, REPLICA_GIZMOS, store_url)
    writer = PageClient.open(replicas["a"].url, "replicas", "store_writer", name="writer on a")
    watcher = PageClient.open(replicas["b"].url, "replicas", "store_writer", name="watcher on b")
    acknowledged: list[int] = []
    refused: dict[int, str] = {}
    stop = threading.Event()
    failures: list[str] = []

    def write() -> None:
        """Numbered writes, one after another, each acknowledged or refused."""
        n = 0
        try:
            while not stop.is_set():
                n += 1
                since = writer.click("Write", n=n)
                outcome = writer.wait_until(
                    lambda: (f"acked {n}" in writer.state.texts() and "acked")
                    or next((c.message for c in writer.commands[since:] if c.is_error), None),
                    LONG, f"the answer to write {n}")
                if outcome == "acked":
                    acknowledged.append(n)
                else:
                    refused[n] = outcome
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            failures.append(f"write {n}: {error}")

    def wait_for(check, what: str, timeout: float = LONG) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert not failures, "\n".join(failures)
            assert time.monotonic() < deadline, f"no {what} within {timeout} s"
            time.sleep(0.05)

    thread = threading.Thread(target=write)
    thread.start()
    stopped = False
    try:
        wait_for(lambda: len(acknowledged) >= 20, "20 acknowledged writes before the restart")
        pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
        stopped = True
        wait_for(lambda: refused, "write refused while the database is down")
        pg_ctl("start", "-w", "-t", "60", "-l", str(Path(POSTGRES_DIR) / "server.log"))
        stopped = False
        after_restart = len(acknowledged)
        wait_for(lambda: len(acknowledged) >= after_restart + 20, "20 acknowledged writes after the restart")
    finally:
        stop.set()
        thread.join(LONG)
        if stopped:
            pg_ctl("start", "-w", "-t", "60", "-l", str(Path(POSTGRES_DIR) / "server.log"))
    try:
        assert not thread.is_alive() and not failures, failures
        # The refusals say what happened, in the page, and name no password.
        for n, message in refused.items():
            assert STORE_DOWN in message and (NOT_MADE in message or MAYBE_MADE in message), (n, message)
            assert "gizmo:gizmo@" not in message, message

        # The watcher on the other replica hears a write made after the restart.
        last = acknowledged[-1]
        watcher.wait_text(f"last {last}", timeout=LONG)

        # Every acknowledged write is in the store, each once; no refused one is.
        stored = [int(item) for item in stored_items(store_url, "replicas", "writes")]
        assert len(stored) == len(set(stored)), "a write was stored twice"
        assert not set(acknowledged) - set(stored), f"acknowledged and lost: {sorted(set(acknowledged) - set(stored))}"
        not_made = {n for n, message in refused.items() if NOT_MADE in message}
        assert not not_made & set(stored), f"refused as not made, yet stored: {sorted(not_made & set(stored))}"
        print(f"\n{len(acknowledged)} writes acknowledged, {len(refused)} refused while PostgreSQL was down")
    finally:
        writer.close()
        watcher.close()


class SlowToConnect:
    """A TCP proxy on loopback to PostgreSQL that, once `slow` is set,
    holds every new connection `delay` seconds before it reaches the
    database: a server's handshakes on a busy machine, or a database slow to
    fork its backends."""

    def __init__(self, url: str, delay: float) -> None:
        parts = urlsplit(url)
        self.upstream = (parts.hostname, parts.port)
        self.delay = delay
        self.slow = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.port}", f":{self.listener.getsockname()[1]}")))
        self.accepted = 0
        self.closing = threading.Event()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while not self.closing.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self.relay, args=(client, self.slow.is_set()), daemon=True).start()

    def relay(self, client: socket.socket, slow: bool) -> None:
        if slow and self.closing.wait(self.delay):
            client.close()
            return
        upstream = socket.create_connection(self.upstream)

        def pump(source: socket.socket, sink: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for end in (source, sink):
                    try:
                        end.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)

    def close(self) -> None:
        self.closing.set()
        self.listener.close()


def test_the_first_store_calls_after_a_start_do_not_wait_for_new_connections(serve, store_url, tmp_path):
    """A server's first store calls find a connection its start left open:
    once it serves, every new connection takes 5 s to reach the database,
    more than a call's 2 s, and pages that read the store as they start
    still show at once."""
    module = tmp_path / "first"
    module.mkdir()
    (module / "reads.lua").write_text(
        'local gz = require("gizmo")\n'
        'local seen = {}\n'
        'for i = 1, 5 do seen[#seen + 1] = tostring(gz.store.get("k" .. i)) end\n'
        'gz.Text("read " .. table.concat(seen, ",")):show()\n')
    proxy = SlowToConnect(store_url, delay=5)
    try:
        server = serve(tmp_path, extra_args=("--store", proxy.url))
        proxy.slow.set()
        pages = [PageClient.open(server.url, "first", "reads", name=f"page {i}") for i in range(3)]
        for page in pages:
            page.wait_text("read nil,nil,nil,nil,nil", timeout=LONG)
            assert not [c.message for c in page.commands if c.is_error], page.commands
            page.close()
    finally:
        proxy.close()
