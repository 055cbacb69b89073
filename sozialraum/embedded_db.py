"""The embedded PostgreSQL used when no ``DATABASE_URL`` is given (development, ``make run``).

``pgserver`` ships a PostgreSQL build inside the Python package, so a fresh clone needs nothing
installed by hand. Several processes (runserver and its reloader, a management command) share
one server; it stops when the last of them exits.
"""

import warnings
from pathlib import Path

DATABASE_NAME = "sozialraum"


def embedded_database(pgdata: Path, name: str = DATABASE_NAME) -> dict:
    """Start (or join) the embedded server in ``pgdata`` and return a Django DATABASES entry."""
    # pgserver keeps its lock file in the user's runtime directory; without XDG_RUNTIME_DIR
    # platformdirs falls back to /tmp and says so on every start.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import pgserver

    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
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
