"""Guanjia settings: everything that differs between machines comes from the environment."""

import contextlib
import ipaddress
import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or env_bool("GUANJIA_TESTING"):
        SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment (DEBUG is off).")
# Key for personal data at rest (ID numbers, LW-1); falls back to SECRET_KEY.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", SECRET_KEY)

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "guanjia.core",
    "guanjia.estates",
    "guanjia.servicedesk",
    "guanjia.engagement",
    "guanjia.quality",
    "guanjia.billing",
    "guanjia.facilities",
    "guanjia.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "guanjia.core.security_headers.SecurityHeadersMiddleware",  # CSP and friends, static files included
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "guanjia.core.textinput.ControlCharactersMiddleware",  # issue 10: input without control characters
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "guanjia.core.middleware.CurrentCommunityMiddleware",
]

ROOT_URLCONF = "guanjia.urls"
WSGI_APPLICATION = "guanjia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "guanjia" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guanjia.core.context_processors.console",
                "guanjia.core.context_processors.inbox",
            ],
        },
    },
]


def ensure_dir(path: Path) -> Path:
    """Create a folder the app writes to (var/ on a fresh clone), so no step needs `make` to prepare it.

    A folder that cannot be created (read-only mount, no permission) is left for the step that
    writes there to report, with the path in its error."""
    with contextlib.suppress(OSError):
        path.mkdir(parents=True, exist_ok=True)
    return path


# SQLite (WAL) by default; PostgreSQL when DATABASE_URL is set.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{os.environ.get('SQLITE_PATH', BASE_DIR / 'var' / 'guanjia.sqlite3')}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A persistent connection is tested before a request reuses it: after a PostgreSQL restart
        # the first request on each worker reconnects instead of answering 500 (issue 10).
        conn_health_checks=True,
    )
}
# Idempotency-Key replies are kept this long (hours): long enough for a client's retries after a
# dropped connection, short enough that the table stays small (core.idempotency).
IDEMPOTENCY_KEY_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_HOURS", "24"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        # SQLite creates the file but not its folder: `manage.py migrate` on a fresh clone needs var/.
        ensure_dir(Path(DATABASES["default"]["NAME"]).resolve().parent)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A covering index's INCLUDE columns (billing's billline_open_due) serve PostgreSQL's index-only
    # scans; SQLite builds the same index on its key columns alone, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        }
    )

# A read replica (scale-out, README "Production serving"): the KPI page, reports and exports read
# there when they run inside core.replica.reads(); every other read and every write stays on default.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")), conn_health_checks=True
    )
elif env_bool("GUANJIA_TESTING"):
    # The suite tests the routing on a second connection to its own database (a test mirror); the
    # router uses it only where a test names it in READ_REPLICA (guanjia/tests_deploy/test_replica.py).
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.sqlite3":
        # A reader must not take SQLite's write lock (default's IMMEDIATE) or it blocks the writes it sits beside.
        DATABASES["replica"]["OPTIONS"] = {**DATABASES["replica"]["OPTIONS"], "transaction_mode": "DEFERRED"}
READ_REPLICA = "replica" if DATABASE_REPLICA_URL else None
DATABASE_ROUTERS = ["guanjia.core.replica.ReplicaRouter"]

# Shared by every web process and worker (throttles, rate limits): the database unless CACHE_URL names
# a Redis server (redis://…, needs the `redis` package). `manage.py createcachetable` makes the table.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif env_bool("GUANJIA_TESTING"):
    # Per-test isolation and query-count budgets: the suite keeps the cache in process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "guanjia_cache"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# A staff member's e-mailed reset link works for an hour; at most this many links per address per
# LOGIN_LOCKOUT_MINUTES (the requesting address is throttled like sign-in failures).
PASSWORD_RESET_TIMEOUT = 3600
PASSWORD_RESET_MAX_PER_EMAIL = int(os.environ.get("PASSWORD_RESET_MAX_PER_EMAIL", "3"))
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:login"

# Sign-in throttling (core/throttling.py): a (name, address) pair is refused after LOGIN_MAX_FAILURES
# failures, an address after LOGIN_ADDRESS_MAX_FAILURES; a name failing from many addresses only
# slows down (a delay from LOGIN_BACKOFF_SECONDS doubling up to LOGIN_BACKOFF_MAX_SECONDS), never locks.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("LOGIN_ADDRESS_MAX_FAILURES", str(4 * LOGIN_MAX_FAILURES)))
LOGIN_BACKOFF_SECONDS = int(os.environ.get("LOGIN_BACKOFF_SECONDS", "2"))
LOGIN_BACKOFF_MAX_SECONDS = int(os.environ.get("LOGIN_BACKOFF_MAX_SECONDS", "60"))
# Reverse proxies (addresses or CIDRs) whose X-Forwarded-For is believed; empty: the header is ignored.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or network ({_error}).") from None

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic puts the files whitenoise (or nginx, deploy/nginx) serves.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "guanjia" / "static"]
STORAGES = {
    # Uploads go through Django's storage API only, so several app servers can share them: a shared
    # MEDIA_ROOT (NFS) with the default, or object storage, e.g. MEDIA_STORAGE_BACKEND=
    # storages.backends.s3.S3Storage and MEDIA_STORAGE_OPTIONS='{"bucket_name": "guanjia"}' (django-storages).
    "default": {
        "BACKEND": os.environ.get("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(os.environ.get("MEDIA_STORAGE_OPTIONS", "") or "{}"),
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("GUANJIA_TESTING")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
# Created here (not on the first upload) so that the backup commands in README.md work on a new install too.
MEDIA_ROOT = ensure_dir(Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Sessions in the database: app servers stay stateless.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# The 中文 / English switch (set_language) keeps the choice for a year, not only for the browser session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent by core.security_headers on every response. No 'unsafe-inline' for scripts: the pages' own
# scripts are static files (an inline <script> or on*= handler in a template fails a test).
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Powerful browser features nobody here needs; "self" where a page of ours might (photos from the camera).
PERMISSIONS_POLICY = {
    "accelerometer": "",
    "camera": "self",
    "geolocation": "",
    "gyroscope": "",
    "magnetometer": "",
    "microphone": "",
    "payment": "",
    "usb": "",
}
if not DEBUG:
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "guanjia@localhost")
# With EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (password reset mail).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Reminders are also posted as JSON to this address (an SMS or WeChat gateway), when set.
NOTIFY_WEBHOOK_URL = os.environ.get("NOTIFY_WEBHOOK_URL", "")
# A deadline still overdue is reminded again after this many hours.
REMINDER_REPEAT_HOURS = int(os.environ.get("REMINDER_REPEAT_HOURS", "24"))
# Online payment (billing.providers): {community code: {"provider": "wechatpay", "cashier": username,
# …keys and certificates or the files holding them}}, from a JSON file kept outside the repository.
# A community not listed offers no online payment.
PAYMENT_PROVIDERS = (
    json.loads(Path(os.environ["PAYMENT_PROVIDERS_FILE"]).read_text(encoding="utf-8"))
    if os.environ.get("PAYMENT_PROVIDERS_FILE")
    else {}
)

# Background jobs: the database backend in production (run `manage.py db_worker`),
# immediate execution in development and tests.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "guanjia.core.api.Pagination",
    "DEFAULT_PARSER_CLASSES": [  # issue 10: bodies without control characters (core.textinput)
        "guanjia.core.textinput.JSONParser",
        "guanjia.core.textinput.FormParser",
        "guanjia.core.textinput.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["guanjia.core.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "guanjia.core.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "guanjia.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Guanjia 管家 API",
    "DESCRIPTION": "物业客服系统 REST API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets whose field names repeat across apps (kind, status, method) get their own names.
    "ENUM_NAME_OVERRIDES": {
        "RoomKindEnum": "guanjia.estates.choices.RoomKind",
        "TicketStatusEnum": "guanjia.servicedesk.choices.Status",
        "CallbackMethodEnum": "guanjia.servicedesk.choices.CallbackMethod",
        "WindowMethodEnum": "guanjia.billing.choices.WINDOW_METHOD_CHOICES",
        "FeeItemKindEnum": "guanjia.billing.choices.ItemKind",
        "FeeBasisEnum": "guanjia.billing.choices.Basis",
        "DeviceRecordKindEnum": "guanjia.facilities.choices.RecordKind",
        "BillKindEnum": "guanjia.billing.choices.BillKind",
        "AdjustmentKindEnum": "guanjia.billing.choices.AdjustmentKind",
        "AdjustmentStatusEnum": "guanjia.billing.choices.AdjustmentStatus",
        "PaymentMethodEnum": "guanjia.billing.choices.Method",
        "PaymentStatusEnum": "guanjia.billing.choices.PaymentStatus",
        "PurseEnum": "guanjia.billing.choices.Purse",
        "RefundStatusEnum": "guanjia.billing.choices.RefundStatus",
        "DepositKindEnum": "guanjia.billing.choices.DepositKind",
        "DepositStatusEnum": "guanjia.billing.choices.DepositStatus",
        "MeterKindEnum": "guanjia.billing.choices.MeterKind",
        "ReadingSourceEnum": "guanjia.billing.choices.ReadingSource",
        "ReadingStatusEnum": "guanjia.billing.choices.ReadingStatus",
        "DunningStepEnum": "guanjia.billing.choices.DunningStep",
        "DunningChannelEnum": "guanjia.billing.choices.Channel",
        "ContactOutcomeEnum": "guanjia.billing.choices.ContactOutcome",
        "RunStatusEnum": "guanjia.billing.choices.RunStatus",
        "PayerKindEnum": "guanjia.billing.choices.PayerKind",
        "OnlineOrderStatusEnum": "guanjia.billing.choices.OrderStatus",
        "DisputeChannelEnum": "guanjia.billing.choices.DisputeChannel",
        "TicketChannelEnum": "guanjia.servicedesk.choices.Channel",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
