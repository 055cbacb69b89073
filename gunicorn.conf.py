"""gunicorn configuration for production: ``gunicorn -c gunicorn.conf.py sozialraum.wsgi``.

Sized for the office's server with 2 cores; every value can be changed through the environment
(``GUNICORN_WORKERS`` and so on) without editing this file.
"""

import os


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Listen on loopback only: the reverse proxy (TLS, X-Forwarded-For) sits in front.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# 2 processes with 4 threads each: a request waiting for PostgreSQL or streaming a download does
# not hold up the others, and one worker's restart (max_requests) leaves the other serving.
worker_class = "gthread"
workers = env_int("GUNICORN_WORKERS", 2)
threads = env_int("GUNICORN_THREADS", 4)

# A worker that does not report for this long is killed and replaced. Interactive pages answer
# in well under a second and are cut off by the database's statement_timeout (15 s) first; the
# large exports run as background jobs. 60 s leaves room for a streamed download.
timeout = env_int("GUNICORN_TIMEOUT", 60)
# On restart (SIGHUP) or stop (SIGTERM) running requests get this long to finish.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5

# Replace each worker after about this many requests (jitter: not all at the same moment), so
# that a slow leak never grows.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# gunicorn 27's control socket would be created in $HOME/.gunicorn; the service does not need it.
control_socket_disable = True

# Logs to stdout/stderr (journald). An access line: the client as the proxy saw it
# (X-Forwarded-For), the peer, the request line, status, bytes and the time in milliseconds.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(M)sms'

# The worker's temporary heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Load the application once in the master process and warm it there (every view imported, every
# template compiled: sozialraum/wsgi.py); each worker is forked from that copy, also the ones that
# replace a worker after max_requests. Code changes then need a restart, not a HUP.
preload_app = True


def when_ready(server):
    from django.db import connections

    from sozialraum.wsgi import warm_up

    warm_up()
    # Workers must never share a database connection of the master's (warm_up opens none).
    connections.close_all()
