"""docs/deploy.md's Kubernetes example, played with `podman kube play`
(issue 17): the YAML blocks and the `kubectl create secret` command are read
from the page's section "Kubernetes: a Deployment, a Service and an
Ingress", so the page and this test cannot drift apart, and played on a
podman network of the test's own (a new name each run) in place of a
cluster:

1. PostgreSQL's pod becomes ready, and the gizmolua Deployment's pods
   (all of its `replicas`) start with GIZMO_TOKEN and GIZMO_STORE_URL from
   the Secret and serve (/healthz, /ping);
2. simple_todo opened in headless Chromium on two of those pods: an item
   added through one pod shows on the other, and is in the database;
3. gizmolua pods played while the database is not there yet exit with the
   one-line reason, podman's restart policy starts them again, and once
   the database is played they serve.

What is changed before playing, and why (docs/deploy.md says the same):

- Images: registry.example.org/my-gizmos:1.0 -> the image of `make
  container-image` (GIZMOLUA_CONTAINER_IMAGE); docker.io/library/postgres:15
  -> the image of `make container-postgres` (GIZMOLUA_POSTGRES_IMAGE),
  Debian's PostgreSQL 15 with the official image's environment
  (deploy/postgres/). No registry is reachable here.
- StatefulSet (podman 4.3 plays Pods, Deployments and
  PersistentVolumeClaims only: "YAML document does not contain any
  supported kube kind") -> a
  Deployment of the same name and pod template, and each
  volumeClaimTemplate -> a PersistentVolumeClaim named as Kubernetes names
  the first pod's (`data-gizmolua-db-0`), mounted through a
  `persistentVolumeClaim` volume. `serviceName` is dropped.
- Service (ignored by podman) -> its name as a network alias of the pods its
  selector matches (`podman kube play --network NET:alias=NAME`), which
  aardvark-dns resolves on the test's network: the store URL's
  `gizmolua-db` is the documented one, unchanged.
- Ingress (ignored by podman): not played; the pods are reached at their
  own addresses on the network, so its cookie affinity and path rewrite
  are not tested here (nginx's equivalent is, test_nginx.py and
  test_replicas.py).
- `ports` (containerPort) dropped: podman 4.3 publishes every containerPort
  on the same port of the host, which Kubernetes does not do, and which
  would put the replicas (and any other server of this machine) on one port.
- The Secret: `kubectl create secret generic` is run with `kubectl` a shell
  function that only prints its arguments, and its `--from-literal` keys
  and values become a podman secret, as JSON of base64 values (what podman
  4.3's secretKeyRef reads; a `kind: Secret` played by podman 4.3 is stored
  as YAML, which its own secretKeyRef then cannot read).
- Probes: podman 4.3 ignores readinessProbe, and makes livenessProbe's
  httpGet a `curl` healthcheck on systemd timers (the image has no curl,
  this machine no systemd); the test runs them as the kubelet would: the
  exec probe with `podman exec`, the httpGet probes from the host.
- Limits: containers.conf's `default_ulimits` (a CONTAINERS_CONF file of the
  test's), nofile at the machine's hard limit for soft and hard alike (kube
  play 4.3 swaps a soft:hard pair), nproc 1024: this sandbox refuses
  podman's defaults, and kube play has no --ulimit.

Marked `container`: `make container-test` builds both images and runs it.
The pods' names are the documented ones (`gizmolua-pod-N`,
`gizmolua-db-pod-0`, podman's names for a Deployment's pods), so two runs at
once on one machine collide; the test says so when it finds another's.
"""

from __future__ import annotations

import base64
import json
import os
import re
import resource
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from gizmo_support import REPO, wait
from test_container import PODMAN
from test_todo import column, type_item, wait_columns

pytestmark = pytest.mark.container

GIZMOLUA_IMAGE = os.environ.get("GIZMOLUA_CONTAINER_IMAGE", "localhost/gizmolua:test")
POSTGRES_IMAGE = os.environ.get("GIZMOLUA_POSTGRES_IMAGE", "localhost/gizmolua-postgres:15")
DOC = REPO / "docs" / "deploy.md"
SECTION = "## Kubernetes: a Deployment, a Service and an Ingress"
IMAGES = {"registry.example.org/my-gizmos:1.0": GIZMOLUA_IMAGE, "docker.io/library/postgres:15": POSTGRES_IMAGE}
APP, DB = "gizmolua", "gizmolua-db"  # the documented Deployment and StatefulSet
LONG = 120  # seconds for anything involving pods starting; the machine is shared and loaded
DB_DOWN_REASON = re.compile(r"^gizmolua: the store database at postgres://gizmo:\*{4}@gizmolua-db:5432/gizmo "
                            r"cannot be used: .+$")
STORE_UP = "gizmolua: the modules' stores are in PostgreSQL at postgres://gizmo:****@gizmolua-db:5432/gizmo"


# ---- what docs/deploy.md says -----------------------------------------------------


def documented_section() -> str:
    text = DOC.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start:end if end >= 0 else len(text)]


def documented_manifests() -> list[dict]:
    """Every YAML document of the section's ```yaml blocks, images replaced."""
    blocks = re.findall(r"```yaml\n(.*?)```", documented_section(), re.S)
    assert blocks, f"no ```yaml block under {SECTION!r} in {DOC}"
    text = "---\n".join(blocks)
    for documented, local in IMAGES.items():
        assert documented in text, f"the image {documented} is no longer in {DOC}: update IMAGES"
        text = text.replace(documented, local)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def documented_reason() -> str:
    """The line the section shows a pod exiting with when the database does not answer."""
    (line,) = re.findall(r"^gizmolua: the store database at .*$", documented_section(), re.M)
    return line


def documented_secret() -> tuple[str, dict[str, str]]:
    """The name and the keys and values of the section's `kubectl create secret
    generic`, run by bash with `kubectl` a function that prints its arguments."""
    (script,) = [block for block in re.findall(r"```sh\n(.*?)```", documented_section(), re.S)
                 if "kubectl create secret" in block]
    done = subprocess.run(["bash", "-euc", 'kubectl() { printf "%s\\0" "$@"; }\n' + script],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    args = done.stdout.split("\0")[:-1]
    assert args[:3] == ["create", "secret", "generic"], args
    values = dict(arg.removeprefix("--from-literal=").split("=", 1) for arg in args[4:])
    assert all(arg.startswith("--from-literal=") for arg in args[4:]), args
    return args[3], values


# ---- what podman 4.3 plays in its place ---------------------------------------------


class Workload:
    """A Deployment to play, with its claims, and the network aliases (the
    Services that select it) its pods get."""

    def __init__(self, deployment: dict, claims: list[dict], aliases: list[str]):
        self.deployment, self.claims, self.aliases = deployment, claims, aliases

    @property
    def name(self) -> str:
        return self.deployment["metadata"]["name"]

    @property
    def replicas(self) -> int:
        return self.deployment["spec"].get("replicas", 1)

    @property
    def pod_spec(self) -> dict:
        return self.deployment["spec"]["template"]["spec"]

    def container_name(self, replica: int = 0, container: int = 0) -> str:
        """podman's name of a container of a Deployment's pod: DEPLOYMENT-pod-N-CONTAINER."""
        return f"{self.pod_name(replica)}-{self.pod_spec['containers'][container]['name']}"

    def pod_name(self, replica: int = 0) -> str:
        return f"{self.name}-pod-{replica}"

    def documents(self) -> list[dict]:
        return [*self.claims, self.deployment]


def for_podman(manifests: list[dict]) -> dict[str, Workload]:
    """The documented manifests as podman 4.3 can play them (the module's
    docstring lists each change), by workload name."""
    services = {m["metadata"]["name"]: m["spec"]["selector"] for m in manifests if m["kind"] == "Service"}
    workloads = {}
    for manifest in manifests:
        kind = manifest["kind"]
        if kind in ("Service", "Ingress"):
            continue
        assert kind in ("Deployment", "StatefulSet"), f"{DOC} has a {kind}, which this test does not translate"
        spec = dict(manifest["spec"])
        name = manifest["metadata"]["name"]
        template = spec["template"]
        claims = []
        if kind == "StatefulSet":
            volumes = template["spec"].setdefault("volumes", [])
            for claim_template in spec.pop("volumeClaimTemplates", []):
                claim = f"{claim_template['metadata']['name']}-{name}-0"
                claims.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                               "metadata": {"name": claim}, "spec": claim_template["spec"]})
                volumes.append({"name": claim_template["metadata"]["name"],
                                "persistentVolumeClaim": {"claimName": claim}})
            spec.pop("serviceName", None)
        for container in template["spec"]["containers"]:
            container.pop("ports", None)
        labels = template["metadata"]["labels"]
        aliases = [service for service, selector in services.items()
                   if all(labels.get(key) == value for key, value in selector.items())]
        deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": manifest["metadata"], "spec": spec}
        workloads[name] = Workload(deployment, claims, aliases)
    return workloads


class Kube:
    """podman kube play on a network of its own; `remove()` takes away every
    pod, volume, secret and the network it made, whatever state they are in."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.network = f"gizmolua-kube-{uuid.uuid4().hex[:10]}"
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        conf = folder / "containers.conf"
        conf.write_text(f'[containers]\ndefault_ulimits = ["nofile={hard}:{hard}", "nproc=1024:1024"]\n')
        self.env = {**os.environ, "CONTAINERS_CONF": str(conf)}
        self.played: list[tuple[Path, Workload]] = []
        self.secrets: list[str] = []
        self.network_made = False

    def podman(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([*PODMAN, *args], capture_output=True, text=True, timeout=timeout, env=self.env,
                              stdin=subprocess.DEVNULL)
        if check:
            assert done.returncode == 0, f"podman {' '.join(args)}: exit {done.returncode}\n{done.stdout}{done.stderr}"
        return done

    def make_network(self) -> None:
        self.podman("network", "create", self.network)
        self.network_made = True

    def create_secret(self, name: str, values: dict[str, str]) -> None:
        assert self.podman("secret", "inspect", name, check=False).returncode != 0, (
            f"a podman secret {name!r} exists already (another run of this test?); `podman secret rm {name}`")
        path = self.folder / f"secret-{name}.json"
        path.write_text(json.dumps({key: base64.b64encode(value.encode()).decode() for key, value in values.items()}))
        self.secrets.append(name)
        self.podman("secret", "create", name, str(path))
        path.unlink()

    def play(self, workload: Workload) -> None:
        for replica in range(workload.replicas):
            assert self.podman("pod", "exists", workload.pod_name(replica), check=False).returncode != 0, (
                f"a pod {workload.pod_name(replica)} exists already (another run of this test?)")
        path = self.folder / f"{workload.name}.yaml"
        path.write_text(yaml.safe_dump_all(workload.documents(), sort_keys=False))
        self.played.append((path, workload))
        network = self.network + "".join(f"{',' if i else ':'}alias={a}" for i, a in enumerate(workload.aliases))
        self.podman("kube", "play", "--network", network, str(path))

    def remove(self) -> None:
        for path, workload in reversed(self.played):
            self.podman("kube", "down", str(path), check=False)
            for replica in range(workload.replicas):
                self.podman("pod", "rm", "--force", "--ignore", workload.pod_name(replica), check=False)
            for claim in workload.claims:
                self.podman("volume", "rm", "--force", claim["metadata"]["name"], check=False)
        for name in self.secrets:
            self.podman("secret", "rm", name, check=False)
        if self.network_made:
            self.podman("network", "rm", "--force", self.network, check=False)

    # what the kubelet would look at

    def address(self, container: str) -> str:
        networks = json.loads(self.podman("inspect", "--format", "{{json .NetworkSettings.Networks}}", container).stdout)
        return networks[self.network]["IPAddress"]

    def state(self, container: str) -> dict:
        return json.loads(self.podman("inspect", "--format", "{{json .State}}", container).stdout)

    def restarts(self, container: str) -> int:
        return int(self.podman("inspect", "--format", "{{.RestartCount}}", container).stdout)

    def logs(self, container: str) -> str:
        """The container's stdout and stderr, in the order they were written (over all its starts)."""
        done = subprocess.run([*PODMAN, "logs", container], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=60, env=self.env, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stdout
        return done.stdout

    def env_of(self, container: str) -> dict[str, str]:
        env = json.loads(self.podman("inspect", "--format", "{{json .Config.Env}}", container).stdout)
        return dict(entry.split("=", 1) for entry in env)

    def exec_probe(self, container: str, probe: dict) -> bool:
        return self.podman("exec", container, *probe["exec"]["command"], check=False).returncode == 0

    def http_probe(self, container: str, probe: dict) -> bool:
        get = probe["httpGet"]
        try:
            with urllib.request.urlopen(f"http://{self.address(container)}:{get['port']}{get['path']}", timeout=5) as r:
                return 200 <= r.status < 400
        except (OSError, urllib.error.URLError):
            return False

    def wait_ready(self, workload: Workload, replica: int = 0, timeout: float = LONG) -> None:
        """Waits until the pod's readiness probe (its first container's) passes."""
        container = workload.container_name(replica)
        probe = workload.pod_spec["containers"][0]["readinessProbe"]
        check = self.exec_probe if "exec" in probe else self.http_probe
        deadline = time.monotonic() + timeout
        while not check(container, probe):
            assert time.monotonic() < deadline, (
                f"{container} not ready within {timeout} s: {self.state(container)}\n{self.logs(container)[-3000:]}")
            time.sleep(0.5)


@pytest.fixture(scope="module")
def images():
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed: run `make container-test`")
    for image in (GIZMOLUA_IMAGE, POSTGRES_IMAGE):
        if subprocess.run([*PODMAN, "image", "exists", image]).returncode != 0:
            pytest.fail(f"no image {image}: run `make container-test`, which builds it")


@pytest.fixture
def kube(images, tmp_path):
    """The documented example, translated, with its Secret created on a new
    network; removed when the test ends, passed or not."""
    played = Kube(tmp_path)
    try:
        played.make_network()
        secret_name, secret = documented_secret()
        played.create_secret(secret_name, secret)
        played.secret = secret
        played.workloads = for_podman(documented_manifests())
        yield played
    finally:
        played.remove()


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.5)


def open_page(windows, url: str, logs) -> str:
    """A window on a launch URL, once its page is connected and drawn; if it
    is not within LONG, the failure says what the page showed, with the
    pod's log. (A fresh pod's first store calls once failed here about one
    start in six, "did not answer within 2 s": they waited for new
    connections. The store keeps one open now; test_replicas.py's
    `test_the_first_store_calls_after_a_start_do_not_wait_for_new_connections`
    tries it on the host.)"""
    handle = windows.open(url, gizmo=False)
    with windows.inside(handle) as page:
        try:
            wait(page, LONG).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-gz-id]") and d.find_elements(
                By.CSS_SELECTOR, '#gz-status[data-state="connected"]'))
        except TimeoutException:
            raise AssertionError(f"{url}: not connected and drawn within {LONG} s; at {page.current_url}, "
                                 f"the page says {body_text(page)[:1000]!r}\npod log:\n{logs()}") from None
    return handle


def body_text(page) -> str:
    bodies = page.find_elements(By.TAG_NAME, "body")
    return bodies[0].text if bodies else ""


def psql(kube: Kube, db: Workload, sql: str) -> str:
    """A query in the database pod, as the documented POSTGRES_USER on its socket."""
    return kube.podman("exec", db.container_name(), "psql", "-U", "gizmo", "-d", "gizmo", "-XAtc", sql).stdout.strip()


# ---- 1 and 2: the example serves, and its pods share one store ------------------------


def test_the_documented_example_serves_and_its_pods_share_the_store(kube, windows):
    app, db = kube.workloads[APP], kube.workloads[DB]
    assert app.aliases == [APP] and db.aliases == [DB], (app.aliases, db.aliases)
    assert db.claims and db.claims[0]["metadata"]["name"] == "data-gizmolua-db-0"
    token = kube.secret["token"]
    assert kube.secret["store-url"] == f"postgres://gizmo:{kube.secret['db-password']}@gizmolua-db:5432/gizmo"

    kube.play(db)
    kube.wait_ready(db)  # pg_isready, the StatefulSet's readinessProbe
    kube.play(app)
    assert app.replicas > 1, "the documented Deployment has one replica: nothing shares the store"
    for replica in range(app.replicas):
        kube.wait_ready(app, replica)  # /healthz, the Deployment's readinessProbe
        container = app.container_name(replica)
        liveness = app.pod_spec["containers"][0]["livenessProbe"]
        assert kube.http_probe(container, liveness), f"{container}: /ping does not answer"
        env = kube.env_of(container)
        assert env["GIZMO_TOKEN"] == token and env["GIZMO_STORE_URL"] == kube.secret["store-url"], env
        logs = kube.logs(container)
        assert STORE_UP in logs, logs
        assert kube.secret["db-password"] not in logs, "the database password is in the log"
        assert kube.restarts(container) == 0, logs
    # The Deployment's memory limit reaches the container.
    assert kube.podman("inspect", "--format", "{{.HostConfig.Memory}}", app.container_name()).stdout.strip() \
        == str(1024 ** 3)

    # simple_todo on two pods: a change through one shows on the other, and is in PostgreSQL.
    replicas = {"a": 0, "b": 1}
    pods = {name: f"http://{kube.address(app.container_name(replica))}:9898/" for name, replica in replicas.items()}
    todo = "?module=some_gizmo_demos&script=simple_todo"
    pages = {name: open_page(windows, f"{url}{todo}&token={token}",
                             lambda: f"{kube.logs(app.container_name(replicas[name]))[-2000:]}\n"
                                     f"database pod's log:\n{kube.logs(db.container_name())[-1500:]}")
             for name, url in pods.items()}
    for name, handle in pages.items():
        with windows.inside(handle) as page:
            assert page.current_url.startswith(f"{pods[name]}gizmo/http/"), page.current_url
            wait_columns(page, [], [])
    with windows.inside(pages["a"]) as page:
        type_item(page, "milk from pod 0").send_keys(Keys.ENTER)
    with windows.inside(pages["b"]) as page:
        wait_columns(page, ["milk from pod 0"], [])
        type_item(page, "eggs from pod 1").send_keys(Keys.ENTER)
    with windows.inside(pages["a"]) as page:
        wait_columns(page, ["milk from pod 0", "eggs from pod 1"], [])
    with windows.inside(pages["b"]) as page:
        wait_columns(page, ["milk from pod 0", "eggs from pod 1"], [])
        assert column(page, "done") == []
    stored = json.loads(psql(kube, db, "SELECT json FROM gizmo_entry WHERE module = 'some_gizmo_demos' "
                                       "AND key = 'todo' AND kind = 1"))
    assert [item["text"] for item in stored["items"]] == ["milk from pod 0", "eggs from pod 1"], stored

    # A module's service runs on one pod of them all (its lock is in the database).
    runs = sum(kube.logs(app.container_name(r)).count("service=live_board [GizmoServer] service runs on this replica")
               for r in range(app.replicas))
    assert runs == 1, f"live_board's service runs on {runs} pods"


# ---- 3: a pod that starts before the database ------------------------------------------


def test_a_pod_started_before_the_database_exits_with_its_reason_and_is_started_again(kube):
    app, db = kube.workloads[APP], kube.workloads[DB]
    kube.play(app)  # no database pod yet: `gizmolua-db` names nothing on the network
    container = app.container_name()
    restart_policy = kube.podman("inspect", "--format", "{{.HostConfig.RestartPolicy.Name}}", container).stdout.strip()
    assert restart_policy == "always", restart_policy

    # It exits with its reason, once per start, and podman starts it again.
    wait_for(lambda: kube.restarts(container) >= 1 and DB_DOWN_REASON.search(kube.logs(container).splitlines()[0]),
             LONG, f"restart of {container} after its reason")
    logs = kube.logs(container)
    assert kube.secret["db-password"] not in logs, "the database password is in the log"
    assert STORE_UP not in logs, logs

    kube.play(db)
    kube.wait_ready(db)
    kube.wait_ready(app)  # the next start finds the database, and serves
    lines = kube.logs(container).splitlines()
    reasons = lines[:next(i for i, line in enumerate(lines) if line.startswith(STORE_UP))]
    # One line for each start that found no database: every start but the last.
    assert reasons and all(DB_DOWN_REASON.match(line) for line in reasons), "\n".join(lines)
    assert len(reasons) == kube.restarts(container), (reasons, kube.restarts(container))
    assert documented_reason() in reasons, (documented_reason(), reasons)
    print(f"\n{container}: {len(reasons)} starts before the database answered: {reasons[0]}")
