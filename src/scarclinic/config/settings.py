"""scarclinic settings: one file, everything that differs between machines from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The checkout's root in development (src layout); var/ holds the embedded database and media.
BASE_DIR = Path(os.environ.get("SCARCLINIC_HOME", PACKAGE_DIR.parent.parent))
VAR_DIR = Path(os.environ.get("SCARCLINIC_VAR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# SCARCLINIC_ENV=production: a clinic network's service. It refuses to start without a
# secret key and a PostgreSQL DATABASE_URL, and turns on every transport protection.
PRODUCTION = os.environ.get("SCARCLINIC_ENV", "development") == "production"
DEBUG = env_bool("DEBUG") and not PRODUCTION
_DEV_SECRET = "insecure-development-key-set-SECRET_KEY-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
if PRODUCTION:
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50:
        raise RuntimeError("Production needs SECRET_KEY: 50 or more random characters.")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise RuntimeError("Production needs DATABASE_URL pointing at PostgreSQL.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "ninja",  # serves the API docs page from its own static files, not a CDN
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "scarclinic.accounts",
    "scarclinic.audit",
    "scarclinic.patients",
    "scarclinic.assessments",
    "scarclinic.treatments",
    "scarclinic.biologics",
    "scarclinic.outcomes",
    "scarclinic.analytics",
    "scarclinic.interop",
    "scarclinic.portal",
    "scarclinic.ops",
    "scarclinic.web",
]

MIDDLEWARE = [
    # Outermost: request id, one JSON log line and the metrics of every request.
    "scarclinic.ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the signed-in user's choice (UserLanguageMiddleware, below), else the
    # language cookie set by the header's switcher, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "scarclinic.accounts.language.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last of the auth layers: it answers a locked-out sign-in before the view runs.
    "axes.middleware.AxesMiddleware",
    "scarclinic.audit.middleware.AuditContextMiddleware",
    "scarclinic.accounts.middleware.ActiveClinicMiddleware",
    "scarclinic.accounts.two_factor_middleware.TwoFactorRequiredMiddleware",
]

ROOT_URLCONF = "scarclinic.config.urls"
WSGI_APPLICATION = "scarclinic.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "scarclinic.accounts.context_processors.clinic",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'scarclinic.sqlite3'}"),
        # Persistent connections in production (a new PostgreSQL connection per request
        # costs more than most of our queries); checked before reuse.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue instead of failing half-way (audit chain appends).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    if os.environ.get("SQLITE_TEST_FILE"):
        # Browser tests: the live server's threads and the test share a file database, so
        # concurrent requests queue on SQLite's lock instead of failing as a shared
        # in-memory database does ("database table is locked").
        DATABASES["default"]["TEST"] = {"NAME": os.environ["SQLITE_TEST_FILE"]}

if os.environ.get("DATABASE_REPLICA_URL"):
    # A streaming replica of the primary for analytics and exports (config/db_routing.py).
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    # In tests the replica is the primary under another connection: no second test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["scarclinic.config.db_routing.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # counts failures, refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 for new and changed passwords; older hashes are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ur", "اردو")]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Karachi")
# The clinic's country calling code: phone numbers are stored and searched without it.
PHONE_COUNTRY_CODE = os.environ.get("PHONE_COUNTRY_CODE", "92")
USE_I18N = True
# Each app keeps its catalogue in <app>/locale/ (compiled by `make`, never committed);
# Django has no Urdu date and number formats, so ours are in web/formats/.
FORMAT_MODULE_PATH = ["scarclinic.web.formats"]
# Django's own texts (form errors, password pages, the admin) that its Urdu catalogue leaves
# in English: LOCALE_PATHS outrank every app's catalogue, so the project catalogue comes first.
# The clinical core is plain Python, not an app: its catalogue is listed here.
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "clinical" / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# whitenoise warns about a missing root on every start; an empty one is harmless.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # STATIC_COMPRESS=0: hashed names without the gzip/brotli copies (a proxy that
            # compresses itself, or a quick collectstatic in the smoke test).
            (
                "whitenoise.storage.CompressedManifestStaticFilesStorage"
                if env_bool("STATIC_COMPRESS", True)
                else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
            )
            if PRODUCTION or env_bool("SCARCLINIC_MANIFEST_STATIC")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Photos: the filesystem under MEDIA_ROOT by default; an S3-compatible bucket (AWS S3, MinIO,
# Ceph...) with STORAGE_BACKEND=s3. Objects are private: a view checks the permission, then
# redirects to a signed URL valid STORAGE_URL_SECONDS (scarclinic/ops/storage.py). boto3
# reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment.
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem")
STORAGE_URL_SECONDS = int(os.environ.get("STORAGE_URL_SECONDS", "60"))
STORAGE_ORIGINS: list[str] = []  # where signed URLs point: allowed as image sources (CSP)
if STORAGE_BACKEND == "s3":
    _bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not _bucket:
        raise RuntimeError("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    _endpoint = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    _region = os.environ.get("AWS_S3_REGION_NAME") or None
    _addressing = os.environ.get("AWS_S3_ADDRESSING_STYLE") or None  # "path" for MinIO
    _objects: dict[str, str] = {"CacheControl": "private, no-store"}
    if os.environ.get("AWS_S3_SSE"):  # e.g. AES256: encrypted at rest by the store
        _objects["ServerSideEncryption"] = os.environ["AWS_S3_SSE"]
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "endpoint_url": _endpoint,
            "region_name": _region,
            "addressing_style": _addressing,
            "signature_version": "s3v4",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": STORAGE_URL_SECONDS,
            "file_overwrite": False,
            "object_parameters": _objects,
        },
    }
    if _endpoint:
        _scheme, _, _host = _endpoint.partition("://")
        _host = _host.split("/")[0]
        STORAGE_ORIGINS = [
            f"{_scheme}://{_bucket}.{_host}" if _addressing == "virtual" else f"{_scheme}://{_host}"
        ]
    else:
        STORAGE_ORIGINS = [f"https://{_bucket}.s3.amazonaws.com"]
        if _region:
            STORAGE_ORIGINS.append(f"https://{_bucket}.s3.{_region}.amazonaws.com")
elif STORAGE_BACKEND != "filesystem":
    raise RuntimeError("STORAGE_BACKEND is 'filesystem' (the default) or 's3'.")

# Photo uploads: larger files and images of more pixels (decompression bombs) are refused.
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(25 * 1024 * 1024)))
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(50_000_000)))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION or env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = PRODUCTION or env_bool("SECURE_COOKIES")
if PRODUCTION:
    # Behind TLS (terminated here or at the proxy, which sets X-Forwarded-Proto).
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Idle timeout: the session lives SESSION_IDLE_SECONDS after the last request (30 min by
# default), renewed on every request; closing the browser ends it too.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Staff pass a second factor (TOTP) after the password; on by default everywhere but
# development (make run), where REQUIRE_STAFF_2FA=1 turns it on to try it.
REQUIRE_STAFF_2FA = env_bool("REQUIRE_STAFF_2FA", not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "scarclinic")

# Lock-out after repeated failed sign-ins (django-axes): per username and address, so an
# attacker elsewhere cannot lock a colleague out; the audit log records each failure and
# each lock-out.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# Content Security Policy: scripts only from our own static files (no inline script, no
# eval); styles allow inline attributes, which carry no code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *STORAGE_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# LOG_FORMAT=json (the default in production): one JSON object per line, with the request id
# (scarclinic/ops/logging.py); text otherwise.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "scarclinic.ops.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    # Request logs carry paths only; paths carry ids, never names (see patients/urls.py).
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes announces itself at INFO on every start; failures are in the audit log.
        "axes": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50

# Background work (reminders, exports, analytics refresh) through Django's tasks API
# (django-tasks backport): run at once in development and tests, by a database-backed
# worker in production (TASKS_BACKEND=database, then `manage.py run_worker`).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if os.environ.get("TASKS_BACKEND") == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}
# The worker (manage.py run_worker, scarclinic/ops/worker.py): heartbeat every
# WORKER_HEARTBEAT_SECONDS; a worker not seen for WORKER_STALE_SECONDS is dead (/readyz fails,
# its task is queued again); on SIGTERM a running task gets WORKER_SHUTDOWN_GRACE_SECONDS to
# finish before it is interrupted and queued again (keep it below systemd's TimeoutStopSec).
WORKER_HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "10"))
WORKER_STALE_SECONDS = float(os.environ.get("WORKER_STALE_SECONDS", "60"))
WORKER_SHUTDOWN_GRACE_SECONDS = float(os.environ.get("WORKER_SHUTDOWN_GRACE_SECONDS", "25"))
# /metrics answers a request with "Authorization: Bearer METRICS_TOKEN" or from an address in
# METRICS_ALLOWED_IPS (addresses or networks, comma-separated); nobody by default.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "")
PRODUCT_EXPIRY_WARNING_DAYS = int(os.environ.get("PRODUCT_EXPIRY_WARNING_DAYS", "7"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "clinic@scarclinic.invalid")
# SMTP for reminders (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))  # below the worker's grace period
