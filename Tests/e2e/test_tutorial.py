"""docs/tutorial.md, as written, so that it cannot rot.

The tutorial's fenced blocks are commands (```sh) or files, whose first
comment line names them (`-- myjob/myjob.lua: ...`, `# Dockerfile: ...`;
a `#!` line may come first). The walk takes them in order in a folder of
its own, as a reader would: it saves each file, runs each command with
bash (the built gizmolua first on the PATH, instead of `make install`),
expects `gizmolua test` to pass, starts the `gizmolua run` line as written
and drives its page in Chromium: the real job's progress reaches 100%, the
plot has its points and the log its lines; after the tutorial's edit the
page shows the change in place, and Stop ends the new run's real process
(its pid gone from /proc). The install and container blocks are not run
here: the first names a real Makefile target, the second the repository's
image, its scripts folder and its grant variable; `make container-test`
builds and runs the tutorial's image (the test marked `container`).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from gizmo_support import BIN, REPO, GizmoProcess, child_env, open_gizmo, start_command, wait
from process_support import alive

TUTORIAL = REPO / "docs" / "tutorial.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
# A file block's first comment: `-- PATH: what it is` or `# PATH: what it is`.
NAMED = re.compile(r"^(?:--|#) ([\w.-]+(?:/[\w.-]+)*):")
LONG_WAIT = 90  # seconds: the job runs for 20, but machines are busy
MODULE = "myjob"


@dataclass
class Block:
    language: str
    text: str
    path: str | None  # a file block's path; None for commands
    line: int  # where the block starts in tutorial.md

    @property
    def where(self) -> str:
        return f"docs/tutorial.md:{self.line}"

    @property
    def kind(self) -> str:
        """What the walk does with a command block."""
        if self.text.startswith("make install"):
            return "install"
        if "podman " in self.text:
            return "container"
        if self.text.startswith("gizmolua run "):
            return "run"
        return "command"


def tutorial_blocks() -> list[Block]:
    text = TUTORIAL.read_text()
    blocks = []
    for match in FENCE.finditer(text):
        language, body = match.group(1), match.group(2)
        lines = body.splitlines()
        first = lines[1] if lines and lines[0].startswith("#!") and len(lines) > 1 else (lines[0] if lines else "")
        named = NAMED.match(first)
        line = text.count("\n", 0, match.start()) + 1
        blocks.append(Block(language, body, named.group(1) if named else None, line))
    return blocks


def blocks_of(kind: str) -> list[Block]:
    return [b for b in tutorial_blocks() if b.path is None and b.kind == kind]


def file_block(path: str) -> Block:
    found = [b for b in tutorial_blocks() if b.path == path]
    assert len(found) == 1, f"docs/tutorial.md should have one file block for {path}, has {len(found)}"
    return found[0]


def reader_env() -> dict[str, str]:
    """A reader's environment, with the built gizmolua first on the PATH."""
    return child_env({"PATH": f"{BIN.parent}{os.pathsep}{os.environ.get('PATH', '')}"})


def shell(block: Block, folder: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", block.text], cwd=folder, env=reader_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (f"{block.where}: {block.text.strip()!r} exited with {result.returncode}\n"
                                    f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def body_text(page) -> str:
    return page.find_element(By.TAG_NAME, "body").get_attribute("textContent")


def wait_body(page, predicate, what: str):
    wait(page, LONG_WAIT).until(lambda d: predicate(body_text(d)), message=f"{what}; the page shows: {body_text(page)!r}")


def shown_pid(page) -> int | None:
    match = re.search(r"running, pid (\d+)", body_text(page))
    return int(match.group(1)) if match else None


def plot_points(page) -> int:
    d = page.find_element(By.CSS_SELECTOR, ".gz-plot-live").get_attribute("d") or ""
    return d.count("M") + d.count("L")


def term_pending(pid: int) -> bool:
    """Whether TERM waits in `pid`'s pending signals (a stopped process
    that handles TERM takes it only once continued)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    bit = 1 << (signal.SIGTERM - 1)
    return any(int(line.split()[1], 16) & bit for line in status.splitlines() if line.startswith(("SigPnd:", "ShdPnd:")))


# ---- the blocks themselves ----------------------------------------------------


def test_every_block_is_a_command_or_a_named_file():
    blocks = tutorial_blocks()
    assert blocks, "docs/tutorial.md has no code blocks"
    for block in blocks:
        assert block.path is not None or block.language == "sh", (
            f"{block.where}: a ```{block.language} block must be a command (```sh) or name its file in its first line")
    paths = [b.path for b in blocks if b.path]
    for path in (f"{MODULE}/{MODULE}.lua", f"{MODULE}/{MODULE}_test.lua", "Dockerfile"):
        assert path in paths, f"docs/tutorial.md has no file block for {path}: {paths}"
    kinds = [b.kind for b in blocks if b.path is None]
    for kind in ("install", "command", "run", "container"):
        assert kind in kinds, f"docs/tutorial.md has no {kind} block"


def test_the_install_line_names_a_real_target():
    (block,) = blocks_of("install")
    makefile = (REPO / "Makefile").read_text()
    assert block.text.strip() == "make install", block.text
    assert re.search(r"^install:", makefile, re.M), "the Makefile has no install target"
    assert "PREFIX" in makefile and "/usr/local" in makefile, "the Makefile's install has no PREFIX defaulting to /usr/local"
    # The README section the step points at, for what it installs and how long it takes.
    section = re.search(r'the README\'s "([^"]+)"', " ".join(TUTORIAL.read_text().split()))
    assert section, "the install step no longer points at a section of the README"
    assert f"## {section.group(1)}\n" in (REPO / "README.md").read_text(), f"README.md has no section {section.group(1)!r}"


def test_the_container_lines_name_the_image_its_scripts_folder_and_grant():
    dockerfile = (REPO / "Dockerfile").read_text()
    ours = file_block("Dockerfile").text
    # The image the tutorial starts from is the one the repository's Dockerfile builds (`-t gizmolua`).
    assert re.search(r"^FROM gizmolua$", ours, re.M), ours
    assert "-t gizmolua ." in dockerfile and "-t gizmolua ." in TUTORIAL.read_text()
    # Its scripts folder: what the image serves.
    assert 'CMD ["gizmolua", "serve", "/scripts"' in dockerfile
    assert re.search(rf"^COPY {MODULE} /scripts/{MODULE}$", ours, re.M), ours
    # Its grant variable, naming the job the tutorial writes, where the COPY puts it.
    assert re.search(r"^\s*GIZMO_ALLOW_RUN=", dockerfile, re.M)
    job = file_block(f"{MODULE}/train.sh").path
    assert re.search(rf"^ENV GIZMO_ALLOW_RUN=/scripts/{re.escape(job)}$", ours, re.M), ours
    # The run starts the image the build tagged.
    (build, run) = [line for b in blocks_of("container") for line in b.text.splitlines()]
    tag = re.search(r"-t (\S+) \.$", build).group(1)
    assert run.split()[-1] == tag, (build, run)


# ---- the walk -------------------------------------------------------------------


def test_the_tutorial_as_written(page, tmp_path):
    folder = tmp_path / "gizmos"
    folder.mkdir()
    run: GizmoProcess | None = None
    done: list[str] = []
    try:
        for block in tutorial_blocks():
            if block.path is not None:
                target = folder / block.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block.text)
            elif block.kind in ("install", "container"):
                continue  # checked by the tests above, and by make container-test
            elif block.kind == "run":
                check_refused_without_grant(block, folder)
                run = start_run(block, folder)
                follow_first_run(page, run)
                done.append("run")
            else:
                result = shell(block, folder)
                if block.text.startswith("gizmolua new "):
                    check_new_module(folder)
                    done.append("new")
                elif block.text.startswith("gizmolua test "):
                    check_tests_pass(block, result, folder)
                    done.append("test")
                elif run is not None:
                    follow_the_edit(page, block, folder)
                    done.append("edit")
    finally:
        if run is not None:
            run.stop()
    assert done == ["new", "test", "run", "edit"], f"the tutorial's steps, in order: {done}"


def check_new_module(folder: Path) -> None:
    """What the tutorial says `gizmolua new` made."""
    for name in ("init.lua", f"{MODULE}.lua", f"{MODULE}_test.lua", ".luarc.json"):
        assert (folder / MODULE / name).is_file(), f"gizmolua new made no {MODULE}/{name}"


def check_tests_pass(block: Block, result: subprocess.CompletedProcess, folder: Path) -> None:
    output = result.stdout + result.stderr
    assert "2 passed, 0 failed" in output, f"{block.where}: {output}"
    # The tutorial's "Try it": a broken expectation fails at its line, with exit code 1.
    broken = folder.parent / "broken"
    shutil.copytree(folder / MODULE, broken / MODULE)
    test_file = broken / MODULE / f"{MODULE}_test.lua"
    text = test_file.read_text()
    assert '"Training 50%"' in text, "the test no longer checks 50%, as the tutorial's Try it says"
    test_file.write_text(text.replace('"Training 50%"', '"Training 60%"'))
    line = next(n for n, l in enumerate(text.splitlines(), start=1) if '"Training 50%"' in l)
    failed = subprocess.run(["bash", "-c", block.text], cwd=broken, env=reader_env(), capture_output=True, text=True,
                            timeout=300)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert f"{MODULE}_test.lua:{line}" in output and "1 passed, 1 failed" in output, output


def check_refused_without_grant(block: Block, folder: Path) -> None:
    """The run line without its --allow-run stops at once with the message the tutorial shows."""
    said = re.search(r"`(\S+:\d+: gz\.spawn: [^`]*)`", TUTORIAL.read_text())
    assert said, "docs/tutorial.md no longer shows what run says without the grant"
    expected = said.group(1).replace("/home/you/gizmos", str(folder))
    command = re.sub(r" --allow-run=\S+", "", block.text.strip())
    assert command != block.text.strip(), f"{block.where}: the run line has no --allow-run"
    refused = subprocess.run(["bash", "-c", command], cwd=folder, env=reader_env(), capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 1, (refused.stdout, refused.stderr)
    assert refused.stderr.strip().endswith(expected), f"expected {expected!r}, got {refused.stderr!r}"


def start_run(block: Block, folder: Path) -> GizmoProcess:
    """The tutorial's `gizmolua run` line, run by bash in the reader's folder
    ($PWD and all); no display, so it opens no browser of its own."""
    script = f"unset DISPLAY WAYLAND_DISPLAY; cd {folder} && exec {block.text.strip()}"
    return start_command(["bash", "-c", script], env={"PATH": reader_env()["PATH"]})


def follow_first_run(page, run: GizmoProcess) -> None:
    """The job runs to its end: the bar at 100%, every step on the plot, its last line in the log."""
    open_gizmo(page, run.url)
    wait_body(page, lambda t: shown_pid(page) is not None or "ended:" in t, "the job did not start")
    pid = shown_pid(page)
    assert pid is not None, body_text(page)
    wait_body(page, lambda t: "ended: exit code 0" in t, "the job did not run to its end")
    bar = page.find_element(By.CSS_SELECTOR, ".gz-progress progress")
    assert bar.get_attribute("value") == "100" and bar.get_attribute("max") == "100", bar.get_attribute("outerHTML")
    assert page.find_element(By.CSS_SELECTOR, ".gz-progress-label").text == "Training 100%"
    assert plot_points(page) == 100
    log = page.find_element(By.CSS_SELECTOR, ".gz-log").get_attribute("textContent")
    assert "step 100/100 loss 0.850" in log and log.rstrip().endswith("done"), log[-300:]
    assert not page.find_element(By.XPATH, "//button[normalize-space()='Stop']").is_enabled()
    assert not alive(pid)
    page.execute_script("window.__tutorialMark = 'same page';")  # a reload of the page would lose it


def follow_the_edit(page, block: Block, folder: Path) -> None:
    """After the tutorial's edit the open page shows it in place, runs the job
    anew, and Stop ends that run's real process."""
    replaced = re.search(r"s/[^/]*/([^/]*)/", block.text)
    assert replaced, f"{block.where}: the edit is not a sed s/old/new/: {block.text!r}"
    title = re.search(r'"([^"]+)"', replaced.group(1)).group(1)
    wait_body(page, lambda t: title in t, f"the edit ({title!r}) did not reach the page")
    assert page.execute_script("return window.__tutorialMark") == "same page", "the page was loaded again"
    wait_body(page, lambda t: shown_pid(page) is not None, "the edit did not start a new run")
    pid = shown_pid(page)
    # Held, so that the run cannot end by itself before Stop is pressed;
    # TERM with its default action ends even a stopped process.
    os.kill(pid, signal.SIGSTOP)
    assert alive(pid), f"the new run {pid} ended before Stop"
    page.find_element(By.XPATH, "//button[normalize-space()='Stop']").click()
    wait(page, LONG_WAIT).until(lambda d: not alive(pid) or term_pending(pid), message=f"Stop sent {pid} no TERM")
    if alive(pid):
        os.kill(pid, signal.SIGCONT)  # a job that handles TERM takes it once continued
    wait(page, LONG_WAIT).until(lambda d: not alive(pid), message=f"process {pid} is still alive after Stop")
    wait_body(page, lambda t: "ended: TERM" in t, "the page does not say the job ended by TERM")


# ---- the image (make container-test) ----------------------------------------------


@pytest.mark.container
def test_the_tutorials_image_runs_its_job(page, tmp_path):
    """The tutorial's Dockerfile on the image `make container-test` built
    (`--from` stands for its `FROM gizmolua`): the module is served and its
    job runs in the image under its grant."""
    from test_container import IMAGE, LIMITS, PODMAN, free_port, podman

    if podman("image", "exists", IMAGE).returncode != 0:
        pytest.fail(f"no image {IMAGE}: run `make container-test`, which builds it")
    folder = tmp_path / "gizmos"
    folder.mkdir()
    for block in tutorial_blocks():
        if block.path is not None:
            (folder / block.path).parent.mkdir(parents=True, exist_ok=True)
            (folder / block.path).write_text(block.text)
    (folder / file_block(f"{MODULE}/train.sh").path).chmod(0o755)
    (build, _) = [line for b in blocks_of("container") for line in b.text.splitlines()]
    tag = "localhost/gizmolua-tutorial:test"
    words = build.split()
    assert words[-3:-1] == ["-t", words[-2]] and words[-1] == ".", build
    args = words[1:-3]  # "build --format docker", without "-t myjob ."
    built = subprocess.run([*PODMAN, *args, "--from", IMAGE, *LIMITS, "-t", tag, "."], cwd=folder,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    port = free_port()
    token = "tutorial-test-token-5b7d9e1f3a5c7e9b1d3f5a7c9e1b3d5f"
    name = f"gizmolua-tutorial-{port}"
    server = start_command([*PODMAN, "run", "--rm", "--name", name, *LIMITS, "--publish", f"{port}:9898",
                            "--env", f"GIZMO_TOKEN={token}", tag])
    try:
        open_gizmo(page, f"http://localhost:{port}/?module={MODULE}&script={MODULE}&token={token}")
        wait_body(page, lambda t: "step 3/100" in t, "the job does not run in the image")
        page.find_element(By.XPATH, "//button[normalize-space()='Stop']").click()
        wait_body(page, lambda t: "ended: TERM" in t or "ended: exit code 0" in t, "the job did not end")
    finally:
        podman("stop", "--time", "5", name)
        server.stop()
        podman("rmi", "--force", tag)
