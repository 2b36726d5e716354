"""gizmolua behind Debian's nginx, configured as docs/deploy.md says: the
configurations are read from that page, so the documented ones are the tested
ones. Chromium opens the entry page under /gizmos/, launches a gizmo, clicks
it through the WebSocket that nginx upgrades, and the same for a gizmo started
in a terminal through /gizmos/connect/ and for two replicas.

nginx runs as a plain subprocess with its own nginx.conf in the test's
folder, never as the system's service.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import time
import urllib.error
from dataclasses import dataclass
from pathlib import Path

import pytest
import websockets
from selenium.webdriver.common.by import By

from gizmo_support import GIZMOS, REPO, click, http_get, launch, port_of, terminate, wait, wait_connected, wait_text
from test_host_allow_list import get as raw_get

NGINX = Path(os.environ.get("GIZMO_TEST_NGINX", "/usr/sbin/nginx"))
DEPLOY = REPO / "docs" / "deploy.md"
START_TIMEOUT = 10  # seconds until nginx accepts connections

pytestmark = pytest.mark.skipif(not NGINX.exists(), reason=f"{NGINX} is missing: `make test-deps` installs nginx")


def documented_config(name: str) -> str:
    """The ```nginx block of docs/deploy.md whose first line names `name`."""
    for block in re.findall(r"```nginx\n(.*?)```", DEPLOY.read_text(), re.S):
        if block.split()[:2] == ["#", f"/etc/nginx/conf.d/{name}"]:
            return block
    raise AssertionError(f"docs/deploy.md has no nginx block for {name}")


def documented_serve_flags() -> list[str]:
    """The flags deploy.md starts `gizmolua serve DIR` with behind nginx."""
    match = re.search(r"`gizmolua serve DIR ((?:--[\w-]+ [^`\s]+ ?)+)`", DEPLOY.read_text())
    assert match, "docs/deploy.md does not say how to start gizmolua serve behind nginx"
    return match.group(1).split()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Nginx:
    proc: subprocess.Popen
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/gizmos/"

    def log(self) -> str:
        """What nginx said on its own output and in its error log."""
        return "".join(f.read_text() for f in (self.folder / "nginx.out", self.folder / "error.log") if f.exists())

    def stop(self) -> None:
        terminate(self.proc)


def start_nginx(folder: Path, site: str, upstreams: dict[int, int]) -> Nginx:
    """nginx with `site` (a conf.d file of deploy.md) in its http {} block,
    listening on a free loopback port, each documented upstream port replaced
    by a running gizmolua's; everything it writes stays in `folder`."""
    port = free_port()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    for documented, actual in upstreams.items():
        assert f"127.0.0.1:{documented}/" in site, f"no upstream 127.0.0.1:{documented}/ in\n{site}"
        site = site.replace(f"127.0.0.1:{documented}/", f"127.0.0.1:{actual}/")
    temp = {kind: folder / kind for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    # As root, nginx's workers would otherwise run as nobody, who cannot
    # enter pytest's folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\n"
        "events { worker_connections 256; }\n"
        "http {\n    access_log off;\n"
        + "".join(f"    {kind}_temp_path {path};\n" for kind, path in temp.items())
        + site
        + "}\n"
    )
    with open(folder / "nginx.out", "w") as output:
        proc = subprocess.Popen([str(NGINX), "-c", str(conf), "-p", str(folder)], cwd=folder,
                                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
    nginx = Nginx(proc, folder, port)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"nginx exited ({proc.returncode}):\n{nginx.log()}\n{conf.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return nginx
        except OSError:
            time.sleep(0.05)
    nginx.stop()
    pytest.fail(f"nginx did not accept connections on {port} within {START_TIMEOUT}s:\n{nginx.log()}")


@pytest.fixture
def nginx(tmp_path):
    """A factory: `nginx(site, {documented port: actual port})`; stopped after the test."""
    started: list[Nginx] = []

    def start(site: str, upstreams: dict[int, int]) -> Nginx:
        folder = tmp_path / f"nginx{len(started)}"
        folder.mkdir()
        started.append(start_nginx(folder, site, upstreams))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def entry_prefix_line(page) -> str:
    return page.find_element(By.ID, "gz-prefix").text


def launch_and_click(page, base: str) -> str:
    """From the entry page at `base`, launch the click counter, click it once;
    the child page's URL."""
    page.find_element(By.LINK_TEXT, "click_counter").click()
    wait_connected(page)  # the WebSocket, upgraded by nginx, passed the origin check
    assert re.fullmatch(re.escape(base) + r"gizmo/http/MGR_\d+_\d+/index\.html", page.current_url), page.current_url
    wait_text(page, "waiting")
    click(page, "Click me")
    wait_text(page, "clicked 1")
    return page.current_url


def test_a_gizmo_opens_and_clicks_under_a_sub_path(serve, nginx, counters, page):
    server = serve(counters)
    proxy = nginx(documented_config("gizmolua.conf"), {9898: port_of(server.url)})

    page.get(proxy.url.rstrip("/"))  # location = /gizmos redirects to /gizmos/
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Gizmos")
    assert page.current_url == proxy.url
    assert entry_prefix_line(page) == f"export GIZMO_LINK_PREFIX={proxy.url}"
    launch_and_click(page, proxy.url)
    # A reload keeps the session through nginx, too.
    page.refresh()
    wait_connected(page)
    wait_text(page, "clicked 1")


def test_a_gizmo_from_a_terminal_runs_through_the_prefix(serve, gizmo, nginx, counters, page):
    server = serve(counters)
    proxy = nginx(documented_config("gizmolua.conf"), {9898: port_of(server.url)})
    run = gizmo(GIZMOS / "click_counter.lua", env={"GIZMO_LINK_PREFIX": proxy.url})
    assert re.fullmatch(re.escape(proxy.url) + r"connect/\d+/gizmo/http/MGR_\d+_\d+/index\.html", run.url), run.url
    page.get(run.url)
    wait_connected(page)
    click(page, "Click me")
    wait_text(page, "clicked 1")


def test_pages_of_other_sites_are_still_refused_behind_nginx(serve, nginx, counters):
    server = serve(counters)
    proxy = nginx(documented_config("gizmolua.conf"), {9898: port_of(server.url)})
    child = launch(f"{proxy.url}?module=counters&script=click_counter")
    socket_url = child.replace("http://", "ws://").replace("/gizmo/http/", "/gizmo/ws/").removesuffix("/index.html")
    own_site = f"http://127.0.0.1:{proxy.port}"

    async def handshake(origin: str) -> str:
        try:
            async with websockets.connect(socket_url, origin=origin, open_timeout=10):
                return "open"
        except websockets.InvalidStatus as refused:
            return f"refused {refused.response.status_code}"

    assert asyncio.run(handshake(own_site)) == "open"
    assert asyncio.run(handshake("http://elsewhere.example")).startswith("refused")


def test_two_replicas_each_hold_the_sessions_opened_on_them(serve, nginx, counters, page):
    replicas = {"a": serve(counters), "b": serve(counters)}
    proxy = nginx(documented_config("gizmolua-replicas.conf"),
                  {9898: port_of(replicas["a"].url), 9899: port_of(replicas["b"].url)})

    # A visit to /gizmos/ lands on a random replica's path; keep opening it
    # until the browser has been sent to both (one in 2^40 that it has not).
    unseen = set(replicas)
    for _ in range(40):
        page.get(proxy.url)
        wait(page).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Gizmos")
        landed = re.fullmatch(re.escape(proxy.url) + r"([ab])/", page.current_url)
        assert landed, page.current_url
        name = landed.group(1)
        if name not in unseen:
            continue
        unseen.remove(name)
        assert entry_prefix_line(page) == f"export GIZMO_LINK_PREFIX={proxy.url}{name}/"
        child = launch_and_click(page, f"{proxy.url}{name}/")
        # The session lives on that replica, and only there.
        session_path = child.removeprefix(f"{proxy.url}{name}/")
        for other, server in replicas.items():
            if other == name:
                assert http_get(server.url + session_path)[0] == 200
            else:
                with pytest.raises(urllib.error.HTTPError) as missing:
                    http_get(server.url + session_path)
                assert missing.value.code == 404
        if not unseen:
            break
    assert not unseen, f"/gizmos/ never sent the browser to replica {sorted(unseen)}"

    # A shared launch link keeps its query through the redirect.
    child = launch(launch(f"{proxy.url}?module=counters&script=click_counter"))
    assert re.fullmatch(re.escape(proxy.url) + r"[ab]/gizmo/http/MGR_\d+_\d+/index\.html", child), child


def test_the_public_name_passes_with_the_documented_allow_host(serve, nginx, counters):
    """nginx passes the browser's Host (`$http_host`): gizmolua refuses a name
    it does not know (DNS rebinding), so the recipe allows the site's name."""
    flags = documented_serve_flags()
    assert flags[:2] == ["--allow-host", "gizmos.example.org"], flags
    for extra_args, expected in (((), 403), (tuple(flags), 200)):
        server = serve(counters, extra_args=extra_args)
        proxy = nginx(documented_config("gizmolua.conf"), {9898: port_of(server.url)})
        status, _, body = raw_get(proxy.port, "/gizmos/", f"gizmos.example.org:{proxy.port}")
        assert status == expected, (extra_args, status, body)
        if expected == 403:
            assert "--allow-host=gizmos.example.org" in body, body
