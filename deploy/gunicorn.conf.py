"""gunicorn settings for the web process (container, Kubernetes and `make demo`).

Run from the project root: ``gunicorn -c deploy/gunicorn.conf.py klachtpunt.wsgi``.
Command-line flags override what is set here (the demo passes ``--bind``).
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# platform/ is a source folder, not a package (it would shadow the standard
# library's `platform`): put it and the project root on the import path.
pythonpath = f"{ROOT},{ROOT / 'platform'}"
wsgi_app = "klachtpunt.wsgi:application"
raw_env = ["DJANGO_SETTINGS_MODULE=klachtpunt.settings"]

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Sync workers (one request at a time each); the usual 2 x cores + 1. Django's
# connections are per thread, so GUNICORN_THREADS > 1 is safe with tenants too.
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Recycle workers now and then so a slow leak never takes a pod down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# Behind a load balancer / ingress that sets X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# A heartbeat file on tmpfs: a container's overlay disk can stall it.
if Path("/dev/shm").is_dir():  # noqa: S108 (gunicorn's documented choice)
    worker_tmp_dir = "/dev/shm"  # noqa: S108

accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "1") == "1" else None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "klachtpunt-web"
