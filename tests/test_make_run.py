"""``make run`` (``manage.py serve``) with the embedded PostgreSQL: it starts again after an unclean
end, refuses a second run in the same folder, and SIGTERM stops everything it started.

Each test runs the real command in a temporary DJANGO_VAR_DIR (a developer's var/ is never
touched), without migrations (the web server answers without tables; ``--setup`` is what
``make run`` adds)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("var")


def environment(var_dir: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "TEST_DB_NAME"}
    }
    env.update(DJANGO_DEBUG="true", DJANGO_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1")
    return env


class Run:
    def __init__(self, var_dir: Path, *args: str):
        self.port = free_port()
        self.var_dir = var_dir
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"127.0.0.1:{self.port}", "--noreload", *args],
            cwd=ROOT,
            env=environment(var_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def answers(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/konto/anmelden/"
            with urllib.request.urlopen(url, timeout=5):
                pass
        except urllib.error.HTTPError as error:
            error.close()
            return True  # an answer, even without tables
        except OSError:
            return False
        return True

    def wait_until_up(self, seconds: float = 40) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve ended early:\n{self.process.stdout.read()}")
            if self.answers():
                return
            time.sleep(0.3)
        raise AssertionError("the web server did not answer in time")

    def family(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        self.process.kill()
        self.process.communicate(timeout=20)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=40)
        return output


def postgres_of(var_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if process.info.get("name") == "postgres" and str(var_dir / "pgdata") in cmdline:
            found.append(process)
    return found


def command_lines(processes) -> list[str]:
    """The command lines of the processes still running (a child that just ended is a zombie
    until reaped, and has none)."""
    lines = []
    for process in processes:
        try:
            lines.append(" ".join(process.cmdline()))
        except psutil.NoSuchProcess:  # ZombieProcess too
            continue
    return lines


def gone(processes, seconds: float = 20) -> bool:
    _gone, alive = psutil.wait_procs(processes, timeout=seconds)
    return not alive


def test_sigterm_stops_the_web_server_the_worker_and_postgresql(var_dir):
    run = Run(var_dir)
    run.wait_until_up()
    children = run.family()
    commands = command_lines(children)
    assert any("runserver" in command for command in commands)
    assert postgres_of(var_dir)

    output = run.stop()

    assert run.process.returncode == 0, output
    assert "started: web, worker" in output
    assert gone(children)
    assert gone(postgres_of(var_dir))
    assert not postgres_of(var_dir)
    assert json.loads((var_dir / "pgdata" / ".handle_pids.json").read_text()) == []


def test_a_second_run_in_the_same_folder_refuses_and_the_first_keeps_working(var_dir):
    first = Run(var_dir, "--no-worker")
    try:
        first.wait_until_up()

        second = Run(var_dir, "--no-worker")
        output, _ = second.process.communicate(timeout=60)

        assert second.process.returncode != 0
        assert "Sozialraum already runs from this folder" in output
        assert f"(process {first.process.pid})" in output
        assert "Traceback" not in output
        assert first.answers()
        assert postgres_of(var_dir)
    finally:
        first.stop()
    assert gone(postgres_of(var_dir))


def test_starts_again_after_an_unclean_end(var_dir):
    run = Run(var_dir, "--no-worker")
    run.wait_until_up()
    children = run.family()
    servers = postgres_of(var_dir)

    # The launcher killed outright: its web server ends with it, PostgreSQL is left running.
    run.kill()
    assert gone(children), "the web server must end with its parent"
    assert postgres_of(var_dir)
    # Then the embedded server too, as a crash or power cut would, and an empty handle file
    # (as a process killed while writing it leaves).
    for server in servers:
        server.kill()
    assert gone(servers)
    (var_dir / "pgdata" / ".handle_pids.json").write_text("")

    again = Run(var_dir, "--no-worker")
    again.wait_until_up()
    output = again.stop()

    assert again.process.returncode == 0, output
    assert gone(postgres_of(var_dir))


def test_a_server_left_running_by_a_killed_run_is_stopped_by_the_next(var_dir):
    run = Run(var_dir, "--no-worker")
    run.wait_until_up()
    run.kill()
    assert postgres_of(var_dir), "PostgreSQL survives a SIGKILL of the launcher"

    again = Run(var_dir, "--no-worker")
    again.wait_until_up()
    again.stop()

    assert gone(postgres_of(var_dir))
