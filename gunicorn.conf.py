"""gunicorn settings for production: `gunicorn wsgi:app` picks this file up from the project root.

Every value can be changed through the environment without editing this file. Sizing, for the
2-core app servers of the deployment (README "Production"):

- Sync workers, one request each. The work is short database transactions plus, on login and
  binding, WeChat calls that are bounded by WECHAT_CONNECT/READ_TIMEOUT (≈ 7 s worst case), so
  2 × cores + 1 workers keeps the CPUs busy while some workers wait on WeChat.
- A sync worker holds at most one database connection for its request, plus one for the WeChat
  token store (tokens.DatabaseTokenStore) when Redis is not used: DB_POOL_SIZE=2 and
  DB_MAX_OVERFLOW=1 per worker are enough, and set here as the defaults so that
  servers × workers × (DB_POOL_SIZE + DB_MAX_OVERFLOW) stays under PostgreSQL's max_connections
  (2 servers × 5 workers × 3 = 30 of the default 100; leave room for migrations, psql and cron).
"""
from __future__ import annotations

import gc
import glob
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Sync workers whose own error answers (a NUL byte in a header, a request line too long) are
# JSON like every other error (app/serving.py).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "app.serving.JsonErrorSyncWorker")

# A worker silent for `timeout` seconds is killed and replaced. The longest legitimate request is
# an admin import of a MAX_CONTENT_LENGTH (64 MiB) file; large files go through the CLI instead.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
# On SIGTERM (deploy, scale-in) a worker finishes its request within this time.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5

# The app is built once, in the master, and every worker is a fork of it: a new worker serves
# at once instead of spending ~0.5 s importing and building the app while requests queue behind
# it (that start-up was the rating call's p99 under sustained load: 651 ms, bench/rating_wrk.py).
# Connections are never shared: nothing connects while the app is built, and post_fork drops any
# pooled connection a worker inherited. New code needs a restart (or USR2), not HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"

# Recycle workers now and then (slow leaks, fragmentation), far less often than before: with the
# app preloaded a recycle costs a fork, and jitter keeps workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 50000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 5000))

# The app logs one JSON line per request itself (app/logs.py, with request_id and duration);
# gunicorn's access log would duplicate it in another format.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Client address and scheme are the app's business: ProxyFix trusts exactly TRUSTED_PROXY_COUNT
# hops of X-Forwarded-For/-Proto (app/__init__.py). gunicorn must not apply a second, different
# rule of its own, so it trusts no forwarder headers from anyone.
forwarded_allow_ips = ""
secure_scheme_headers = {}

# Two servers may run side by side (bench/load.py): each needs its own control socket, or none.
control_socket_disable = True

# Per-worker database pool (see the docstring); an explicit environment value wins.
os.environ.setdefault("DB_POOL_SIZE", "2")
os.environ.setdefault("DB_MAX_OVERFLOW", "1")

# Prometheus multiprocess mode (app/metrics.py): every worker writes its metric values under
# PROMETHEUS_MULTIPROC_DIR, one directory per server, emptied when the server starts.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    if _metrics_dir:
        os.makedirs(_metrics_dir, exist_ok=True)
        for stale in glob.glob(os.path.join(_metrics_dir, "*.db")):   # the last run's values
            os.remove(stale)


def post_fork(server, worker):
    # A preloaded app's pools may hold connections opened in the master (none are opened while
    # building it today; this keeps it so): a socket shared by two processes corrupts both.
    app = worker.app.wsgi() if server.cfg.preload_app else None
    if app is not None and "sqlalchemy" in getattr(app, "extensions", {}):
        from app.extensions import db
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)


def post_worker_init(worker):
    # The worker has built its app. Freeze what exists now (modules, the app, SQLAlchemy's
    # mappers and compiled-statement cache, about 160,000 objects) so the garbage collector
    # stops walking it: otherwise each full collection pauses the request that triggers it for
    # about 75 ms on these machines, which showed in POST /api/v1/ratings' p99.
    gc.freeze()


def child_exit(server, worker):
    if _metrics_dir:
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
