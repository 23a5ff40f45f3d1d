"""The production configuration in deploy/ agrees with the app it runs (issue 10).

What scripts/smoke cannot see from the inside: the env file lists every variable the settings read,
the nginx site lets the largest legitimate upload through and forwards what Django trusts, the
units run what the README says, and no code writes uploads beside the storage API (several app
servers must be able to share them)."""

import ast
import re
import runpy
from pathlib import Path

import pytest
from django.conf import settings

from guanjia.core import uploads
from guanjia.servicedesk.services.tickets import MAX_PHOTOS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ENV_READ = re.compile(r"""(?:os\.environ\.get|os\.environ\[|os\.getenv|env_bool)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")


def env_example() -> dict[str, str]:
    """{name: value} of deploy/guanjia.env.example, commented defaults included."""
    found = {}
    for line in (DEPLOY / "guanjia.env.example").read_text().splitlines():
        match = re.match(r"^#?([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            found[match[1]] = match[2]
    return found


def test_the_env_example_lists_every_variable_the_settings_and_gunicorn_read():
    read = set(ENV_READ.findall((ROOT / "guanjia" / "settings.py").read_text()))
    read |= set(ENV_READ.findall((DEPLOY / "gunicorn.conf.py").read_text()))
    read.add("DATABASE_URL")  # dj_database_url.config() reads it
    assert {"SECRET_KEY", "DATABASE_REPLICA_URL", "GUNICORN_WORKERS"} <= read  # the pattern finds them
    missing = read - set(env_example()) - {"RUNTIME_DIRECTORY"}  # set by systemd, not by the operator
    assert not missing, f"add to deploy/guanjia.env.example: {sorted(missing)}"


def test_the_env_example_sets_what_production_requires():
    env = env_example()
    assert env["TASK_BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert env["DATABASE_URL"].startswith("postgres://") and env["CSRF_TRUSTED_ORIGINS"].startswith("https://")
    assert env["TRUSTED_PROXIES"] == "127.0.0.1"  # nginx on the same machine, deploy/nginx/guanjia.conf


def gunicorn_config(monkeypatch, **env) -> dict:
    for name in ("GUNICORN_WORKERS", "GUNICORN_BIND", "RUNTIME_DIRECTORY", "GUNICORN_CONTROL_SOCKET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_takes_its_workers_from_the_cpus_and_listens_on_loopback(monkeypatch):
    import os

    config = gunicorn_config(monkeypatch)
    assert config["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert config["bind"] == "127.0.0.1:8000" and config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert config["control_socket_disable"] is True and "control_socket" not in config  # nothing in $HOME
    assert "%({x-forwarded-for}i)s" in config["access_log_format"] and "%(M)s" in config["access_log_format"]
    tuned = gunicorn_config(monkeypatch, GUNICORN_WORKERS="3", RUNTIME_DIRECTORY="/run/guanjia")
    assert tuned["workers"] == 3 and tuned["control_socket"] == "/run/guanjia/gunicorn.ctl"


def nginx() -> str:
    return (DEPLOY / "nginx" / "guanjia.conf").read_text()


def megabytes(directive: str) -> int:
    value = re.search(rf"^\s*{directive}\s+(\d+)m;", nginx(), re.MULTILINE)
    assert value, directive
    return int(value[1]) * 1024 * 1024


def test_nginx_lets_the_largest_upload_the_app_accepts_through():
    largest = max(
        MAX_PHOTOS * uploads.max_bytes(uploads.PHOTO),  # a repair report with its photos (RC-1)
        uploads.max_bytes(uploads.DOCUMENT),
        uploads.max_bytes(uploads.SPREADSHEET),
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    )
    limit = megabytes("client_max_body_size")
    assert largest < limit <= largest * 1.25  # room for the form around the files, not much more


def test_nginx_terminates_tls_and_forwards_what_django_and_the_throttle_trust(monkeypatch):
    site = nginx()
    assert re.search(r"listen 80;.*?return 301 https://\$host\$request_uri;", site, re.DOTALL)
    assert "listen 443 ssl http2;" in site and "ssl_protocols TLSv1.2 TLSv1.3;" in site
    # Appended: core.throttling.client_ip walks it from the right through TRUSTED_PROXIES only.
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https") or settings.DEBUG
    upstream = re.search(r"server (127\.0\.0\.1:\d+) fail_timeout=0;", site)[1]
    assert upstream == gunicorn_config(monkeypatch)["bind"]
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", site)[1])
    assert read_timeout > gunicorn_config(monkeypatch)["timeout"]  # gunicorn's limit answers first


def test_nginx_serves_collectstatic_output_long_cached_and_never_media_directly():
    site = nginx()
    static = re.search(r"location /static/ \{\s*alias ([^;]+);", site)[1]
    assert static.rstrip("/") == env_example()["STATIC_ROOT"]
    assert "max-age=31536000, immutable" in site and "gzip_static on;" in site
    media = site.split("location ^~ /media/ {", 1)[1].split("\n    }", 1)[0]
    assert "internal;" in media  # a direct request is a 404: the app's views check role and community
    assert "nosniff" in media and "sandbox" in media and "default_type application/octet-stream;" in media
    assert media.split("alias ", 1)[1].split(";")[0].rstrip("/") == env_example()["MEDIA_ROOT"]


def unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.parametrize("name", ["guanjia-web.service", "guanjia-worker@.service"])
def test_the_units_are_hardened_and_read_the_env_file(name):
    service = unit(name)
    assert service["EnvironmentFile"] == ["/etc/guanjia/guanjia.env"] and service["User"] == ["guanjia"]
    for option in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "RestrictSUIDSGID"):
        assert service[option] == ["yes"], option
    assert service["ProtectSystem"] == ["strict"]
    assert service["ReadWritePaths"] == [env_example()["MEDIA_ROOT"]]  # the one place they write
    assert service["CapabilityBoundingSet"] == [""]


def test_the_web_unit_runs_gunicorn_with_the_deploy_config_and_the_worker_unit_db_worker():
    assert unit("guanjia-web.service")["ExecStart"] == [
        "/srv/guanjia/app/.venv/bin/gunicorn --config deploy/gunicorn.conf.py guanjia.wsgi"
    ]
    worker = unit("guanjia-worker@.service")["ExecStart"][0]
    assert " manage.py db_worker " in worker and "--worker-id=%H-%i" in worker  # unique in the pool
    assert unit("guanjia-reminders.service")["ExecStart"][0].endswith("manage.py send_reminders --enqueue")
    assert unit("guanjia-reminders.timer")["OnCalendar"] == ["*:0/15"]


def test_make_test_runs_the_smoke_stage():
    makefile = (ROOT / "Makefile").read_text()
    stages = re.search(r"^TEST_STAGES := (.*)$", makefile, re.MULTILINE)[1].split()
    assert "test-smoke" in stages and re.search(r"^test-smoke:.*\n\tscripts/smoke", makefile, re.MULTILINE)


PRODUCT = [
    path
    for path in (ROOT / "guanjia").rglob("*.py")
    if not {"tests", "tests_system", "tests_browser", "tests_deploy", "migrations"} & set(path.parts)
    and not path.name.startswith("bench_")  # benchmarks write their workbooks into var/bench on purpose
]


def _local_writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Attribute) and node.attr == "MEDIA_ROOT") or (
            isinstance(node, ast.Name) and node.id == "MEDIA_ROOT"
        ):
            found.append(f"{path.name}:{node.lineno} MEDIA_ROOT")
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("write_bytes", "write_text"):
                found.append(f"{path.name}:{node.lineno} {name}()")
            if name == "open":
                modes = [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "mode")]
                if any(isinstance(m, ast.Constant) and set(str(m.value)) & set("wax+") for m in modes):
                    found.append(f"{path.name}:{node.lineno} open(…, {modes[0].value!r})")
    return found


def test_uploads_are_written_only_through_the_storage_api():
    """Several app servers share media through STORAGES (a shared folder or object storage): no product
    code opens a local file for writing or builds a path from MEDIA_ROOT (settings.py defines it, and
    urls.py serves it under DEBUG only)."""
    assert len(PRODUCT) > 100
    allowed = {ROOT / "guanjia" / "settings.py", ROOT / "guanjia" / "urls.py"}
    found = [w for path in PRODUCT if path not in allowed for w in _local_writes(path)]
    assert found == []
