"""gunicorn configuration for Guanjia (deploy/systemd/guanjia-web.service, scripts/smoke).

    gunicorn --config deploy/gunicorn.conf.py guanjia.wsgi

Every value can be overridden from the environment (the EnvironmentFile, deploy/guanjia.env.example).
Sync workers: each request holds one worker, which is why nginx buffers request and response bodies
(a slow phone on 3G must not hold a worker) and why long work (imports, reminders) runs in db_worker.
"""

import os


def _cpus() -> int:
    # The CPUs this process may run on (a container's or a systemd CPUAffinity's share), not the host's.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Loopback only: nginx on the same machine is the only client (deploy/nginx/guanjia.conf).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The classic 2 × CPUs + 1 for sync workers whose time goes mostly to the database.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * _cpus() + 1))
worker_class = "sync"
# Longest request allowed before the worker is killed and restarted. PDFs of a month's lists are the
# slowest pages (a few seconds); nginx's proxy_read_timeout is set a little above this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM (systemctl stop/restart) requests under way get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# nginx keeps upstream connections open (keepalive in the upstream block): a little longer than its idle time.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# A worker is replaced after this many requests (jittered so they do not all restart at once): bounds the
# memory a long-lived process can gather (WeasyPrint, openpyxl).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# The heartbeat file of each worker in memory, not on a disk that may stall (or be read-only, ProtectSystem).
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)

# Only the proxy may say a request came over HTTPS (X-Forwarded-Proto, Django's SECURE_PROXY_SSL_HEADER)
# or whose address it is (X-Forwarded-For, TRUSTED_PROXIES in settings): nginx on this machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips

# Logs to stderr (journald under systemd). The access line carries the client address nginx saw
# (X-Forwarded-For), the request time in milliseconds and the response size, for p50/p95 by grep.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'

# gunicorn's control socket (gunicornc): in systemd's RuntimeDirectory (/run/guanjia) when there is one,
# else off, so that nothing is written into the service user's home.
_runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or (
    os.path.join(_runtime, "gunicorn.ctl") if _runtime else None
)
control_socket_disable = control_socket is None
if control_socket is None:
    del control_socket

proc_name = "guanjia-web"
