"""``python manage.py serve``: what ``make run`` starts — the development web server and the
background worker side by side, on the embedded PostgreSQL (or ``DATABASE_URL``).

* One run per folder: a lock file (``VAR_DIR/run.lock``, ``flock``) is held for the life of the
  run; a second ``make run`` in the same folder stops at once with a clear message instead of
  failing half-way through its migrations.
* ``--setup`` migrates and loads the district and the demo data first, under that lock.
* The web server (``runserver``) and the worker (``run_worker``, when the project has it) run as
  child processes in their own process groups. Ctrl+C or SIGTERM stops both, then the embedded
  PostgreSQL stops with this process (the last one using it). If this process is killed
  outright, the children end with it (Linux parent-death signal), and the next run repairs the
  embedded server's bookkeeping and stops the server at its own end.
"""

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from sozialraum.embedded_db import EXIT_WITH_PARENT
from sozialraum.mail import uses_console

LOCK_NAME = "run.lock"
# How long the children get to finish after SIGTERM before they are killed.
STOP_SECONDS = 15


def acquire_run_lock(var_dir: Path):
    """Hold the folder's run lock; None when another run holds it (with its process id)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    handle = open(var_dir / LOCK_NAME, "a+")  # noqa: SIM115 - held for the life of the run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        other = handle.read().strip()
        handle.close()
        return None, other
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle, None


def _child_setup():
    """In the child, before exec: a process group of its own (signals reach its children too)
    and SIGTERM when the parent ends."""
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


class Stop(Exception):  # noqa: N818 - a signal, not an error
    pass


class Command(BaseCommand):
    help = (
        "Run the development web server and the background worker together; Ctrl+C or "
        "SIGTERM stops both and the embedded PostgreSQL. Refuses a second run in this folder."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--setup",
            action="store_true",
            help="migrate and load the district and the demo data first",
        )
        parser.add_argument("--no-worker", action="store_true", help="no background worker")
        parser.add_argument("--noreload", action="store_true", help="no auto-reloader")

    def handle(self, *args, addrport, setup, no_worker, noreload, **options):
        var_dir = Path(settings.VAR_DIR)
        lock, other = acquire_run_lock(var_dir)
        if lock is None:
            by = f" (process {other})" if other else ""
            raise CommandError(
                f"Sozialraum already runs from this folder{by}. Stop that run first "
                f"(Ctrl+C in its terminal), or start this one with another DJANGO_VAR_DIR. "
                f"Lock file: {var_dir / LOCK_NAME}"
            )
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.children: dict[str, subprocess.Popen] = {}
        try:
            if setup:
                self._setup()
            self._start(addrport, worker=not no_worker, noreload=noreload)
            return self._watch()
        except Stop:
            self.stdout.write("Stopping Sozialraum …")
            return None
        finally:
            self._stop_children()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            lock.close()

    def _stop(self, signum, frame):
        raise Stop

    def _setup(self):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_district", stdout=self.stdout)
        call_command("load_demo", stdout=self.stdout)

    def _spawn(self, name: str, *arguments: str) -> None:
        env = {**os.environ, EXIT_WITH_PARENT: "1"}
        self.children[name] = subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments],
            env=env,
            preexec_fn=_child_setup,
        )

    def _start(self, addrport: str, worker: bool, noreload: bool) -> None:
        self._spawn("web", "runserver", addrport, *(["--noreload"] if noreload else []))
        if worker and "run_worker" in get_commands():
            self._spawn("worker", "run_worker")
        elif worker:
            self.stderr.write("No background worker in this version (run_worker is missing).")
        self.stdout.write(
            f"Sozialraum runs on http://{addrport}/ (stop: Ctrl+C); "
            f"started: {', '.join(self.children)}."
        )
        if uses_console():
            self.stdout.write(
                "E-mails are printed to this console, not sent: set DJANGO_EMAIL_HOST to send them."
            )
        if settings.TWO_FACTOR_REQUIRED_ROLES:
            self.stdout.write(
                "Two-factor sign-in is required of: "
                f"{', '.join(settings.TWO_FACTOR_REQUIRED_ROLES)} (the demo admin sets up an "
                "authenticator app at the first sign-in; DJANGO_2FA_REQUIRED_ROLES= turns it off)."
            )

    def _watch(self) -> None:
        while True:
            web = self.children["web"].poll()
            if web is not None:
                raise CommandError(f"The web server ended (exit code {web}).")
            worker = self.children.get("worker")
            if worker is not None and worker.poll() is not None:
                self.stderr.write(
                    f"The background worker ended (exit code {worker.returncode}); "
                    "the web server keeps running, jobs wait until the next start."
                )
                del self.children["worker"]
            time.sleep(0.5)

    def _stop_children(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in self.children.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Whatever is left of the group (a reloader's child) goes now.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
