"""The embedded PostgreSQL used when no ``DATABASE_URL`` is given (development, ``make run``).

``pgserver`` ships a PostgreSQL build inside the Python package, so a fresh clone needs nothing
installed by hand. Several processes (the web server and its reloader, the worker, a management
command) share one server: each adds its process id to ``pgdata/.handle_pids.json``, and the
last one to exit stops the server.

pgserver trusts that file and ``postmaster.pid`` completely; after an unclean end (a process
killed, the machine switched off) they can hold dead process ids or be empty, after which the
server would never be stopped or not start at all. ``repair`` puts them right before joining,
and every process removes the ids of dead ones before it leaves, so the last living process
still stops the server.
"""

import atexit
import contextlib
import json
import os
import signal
import warnings
from pathlib import Path

DATABASE_NAME = "sozialraum"
HANDLE_PIDS = ".handle_pids.json"
POSTMASTER_PID = "postmaster.pid"

# Set by `manage.py serve` for the processes it starts: they end when their parent ends, even if
# it is killed (SIGKILL), instead of running on without it.
EXIT_WITH_PARENT = "SOZIALRAUM_EXIT_WITH_PARENT"


def _server_lock():
    """pgserver's own inter-process lock, which guards the files repaired here."""
    from pgserver.postgres_server import PostgresServer

    return PostgresServer._lock


def _living(pids) -> list[int]:
    import psutil

    alive = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except (psutil.Error, ValueError, TypeError):
            continue
    return alive


def read_handle_pids(pgdata: Path) -> list[int]:
    """The process ids in the handle file; an empty, broken or missing file gives none."""
    try:
        pids = json.loads((pgdata / HANDLE_PIDS).read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(pids, list):
        return []
    return [pid for pid in pids if isinstance(pid, int)]


def write_handle_pids(pgdata: Path, pids: list[int]) -> None:
    """Replace the handle file in one step (a reader never sees it half-written)."""
    path = pgdata / HANDLE_PIDS
    temporary = path.with_name(f"{HANDLE_PIDS}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(pids))
    os.replace(temporary, path)


def prune_handle_pids(pgdata: Path) -> None:
    """Drop the ids of processes that are gone (and rewrite a broken file)."""
    path = pgdata / HANDLE_PIDS
    if not path.exists():
        return
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        raw = None
    pids = read_handle_pids(pgdata)
    alive = _living(pids)
    if alive != raw:
        write_handle_pids(pgdata, alive)


def _postgres_running_in(pgdata: Path) -> bool:
    import psutil

    for process in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if process.info.get("name") == "postgres" and str(pgdata) in cmdline:
            return True
    return False


def remove_stale_postmaster_pid(pgdata: Path) -> None:
    """Remove a ``postmaster.pid`` that names no running postgres (pgserver would otherwise take
    another process with a reused id for the server, or fail on a half-written file)."""
    import psutil

    path = pgdata / POSTMASTER_PID
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return
    stale = len(lines) < 8
    if not stale:
        try:
            stale = psutil.Process(int(lines[0])).name() != "postgres"
        except (psutil.Error, ValueError):
            stale = True
    if stale and not _postgres_running_in(pgdata):
        path.unlink(missing_ok=True)


def repair(pgdata: Path) -> None:
    """Put pgserver's bookkeeping right after an unclean end, before joining the server."""
    with _server_lock():
        prune_handle_pids(pgdata)
        remove_stale_postmaster_pid(pgdata)


def _leave(pgdata: Path) -> None:
    # Runs before pgserver's own clean-up (atexit calls in reverse order of registration):
    # processes that died without clean-up must not keep the server running.
    with contextlib.suppress(Exception), _server_lock():
        prune_handle_pids(pgdata)


def exit_with_parent() -> None:
    """Ask Linux to send SIGTERM to this process when its parent ends (``EXIT_WITH_PARENT``)."""
    if os.environ.get(EXIT_WITH_PARENT) != "1":
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        # The parent may have ended before the request took effect.
        if os.getppid() == 1:
            os.kill(os.getpid(), signal.SIGTERM)


def embedded_database(pgdata: Path, name: str = DATABASE_NAME) -> dict:
    """Start (or join) the embedded server in ``pgdata`` and return a Django DATABASES entry."""
    # pgserver keeps its lock file in the user's runtime directory; without XDG_RUNTIME_DIR
    # platformdirs falls back to /tmp and says so on every start.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import pgserver

    exit_with_parent()
    pgdata = Path(pgdata).resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    repair(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    atexit.register(_leave, pgdata)
    # The name is checked to be a plain identifier before it goes into SQL.
    if not name.isidentifier():
        raise ValueError(f"Not a database name: {name!r}")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {name};")
    info = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir) if info.socket_dir else "127.0.0.1",
        "PORT": str(info.port or ""),
        "CONN_MAX_AGE": 0,
    }
