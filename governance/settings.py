"""One env-driven settings module (12-factor).

Production differs from development only by environment variables; see the README's
"Settings" table for every variable and its default. Secrets may be given as ``NAME_FILE``
(a path whose content is the value), as container orchestrators like to mount them.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _env_or_file(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the content of the file named by NAME_FILE."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text().strip()
    return env.str(name, default=default)


DEBUG = env.bool("DEBUG", default=False)
# Under pytest the production settings apply, minus what needs a TLS proxy or collectstatic.
TESTING = "pytest" in sys.modules

_DEV_SECRET = "linli-insecure-development-key-change-me-0123456789abcdefghijklmnop"
SECRET_KEY = _env_or_file("SECRET_KEY", default=_DEV_SECRET if DEBUG or TESTING else None)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG or TESTING else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "guardian",
    "axes",
    "csp",
    "simple_history",
    # Ours, in dependency order (ARCHITECTURE.md: accounts ← compounds ← committees ← party ← ...).
    "governance.accounts",
    "compounds",
    "committees",
    "governance.party",
    "governance.issues",
    "governance.meetings",
    "governance.ratings",
    "volunteers",
    "governance.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last, as its docs require: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"
ASGI_APPLICATION = "governance.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "governance.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR = Path(env.str("LINLI_VAR_DIR", default=str(BASE_DIR / "var")))
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'linli.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL + a busy timeout let the demo's web thread and its scheduler thread write side by side.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # PostgreSQL's default random_page_cost (4) assumes spinning disks; on SSDs 1.1 lets the
    # planner choose the index-only scans the coverage figures rely on (bench/README.md:
    # district of 10,000 compounds, p95 310 → 273 ms).
    _options = []
    _page_cost = env.str("PG_RANDOM_PAGE_COST", default="1.1")
    if _page_cost:
        _options.append(f"-c random_page_cost={float(_page_cost)}")
    # Pages load an issue with a dozen select_related tables (LEFT JOINs from the issue, which is
    # always the driving table). With PostgreSQL's default (8) the planner searches join orders for
    # tens of milliseconds per query (issue page: planning 49 ms, execution 0.6 ms); 4 keeps the
    # search small and still reorders short INNER JOIN chains (bench/README.md).
    _join_limit = env.str("PG_JOIN_COLLAPSE_LIMIT", default="4")
    if _join_limit:
        _options.append(f"-c join_collapse_limit={int(_join_limit)} -c from_collapse_limit={int(_join_limit)}")
    if _options:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(_options)

# --- Redis: cache, sessions, Celery ---------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "governance.caching.RedisCache", "LOCATION": REDIS_URL}}
    # Measured 487 → 647 logged-in requests/s per core against plain database sessions.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Pages keep rendered parts of themselves in the cache, keyed by the stamps of the issues they show
# (governance/issues/generations.py): only with one cache for every process. The demo's
# per-process memory cache could not hear of a write made by another process.
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
PAGE_CACHE = env.bool("LINLI_PAGE_CACHE", default=bool(REDIS_URL))

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Every periodic job scans the database for what is due and records what it did there, so a
# missed or doubled run is harmless (ARCHITECTURE.md, "Requests, tasks, schedules").
CELERY_BEAT_SCHEDULE = {
    "remind-stale-verifications": {
        "task": "compounds.tasks.remind_stale_verifications",
        "schedule": env.int("STALE_VERIFICATION_SCAN_SECONDS", default=15 * 60),
    },
    "sync-property-contracts": {
        "task": "committees.tasks.sync_contracts",
        "schedule": 60 * 60,
    },
    "scan-member-checkins": {
        "task": "governance.party.tasks.scan_checkins",
        "schedule": 60 * 60,
    },
    "escalate-overdue-issues": {
        "task": "governance.issues.tasks.escalate_overdue",
        "schedule": env.int("ESCALATION_SCAN_SECONDS", default=5 * 60),
    },
    "close-unrated-issues": {
        "task": "governance.issues.tasks.close_unrated",
        "schedule": 60 * 60,
    },
    # Monthly rollups of the three rates (governance/issues/rollups.py): months that have ended
    # are at most this old on the rates pages; the current month is always counted live.
    # Coverage figures of every community (governance/dashboards/services.py), read by the pages
    # over many communities; one community's page is always counted live.
    "refresh-coverage": {
        "task": "governance.dashboards.tasks.refresh_coverage",
        "schedule": env.int("COVERAGE_REFRESH_SECONDS", default=10 * 60),
    },
    "refresh-issue-rollups": {
        "task": "governance.issues.tasks.refresh_rollups",
        "schedule": env.int("ROLLUP_REFRESH_SECONDS", default=10 * 60),
    },
    "generate-meetings": {
        "task": "governance.meetings.tasks.generate_meetings",
        "schedule": 60 * 60,
    },
    "send-meeting-reminders": {
        "task": "governance.meetings.tasks.send_reminders",
        "schedule": env.int("MEETING_REMINDER_SCAN_SECONDS", default=5 * 60),
    },
    "remind-action-items": {
        "task": "governance.meetings.tasks.remind_action_items",
        "schedule": 6 * 60 * 60,
    },
    "advance-rating-campaigns": {
        "task": "governance.ratings.tasks.advance_campaigns",
        "schedule": env.int("RATING_ADVANCE_SECONDS", default=60 * 60),
    },
    "purge-read-notifications": {
        "task": "governance.accounts.tasks.purge_read_notifications",
        "schedule": 24 * 60 * 60,
    },
}
# Subjects scored per Celery task when a rating campaign is scored (progress moves per chunk).
RATINGS_CHUNK_SIZE = env.int("RATINGS_CHUNK_SIZE", default=500)
# A verification request pending longer than this reminds the community's officers (once).
STALE_VERIFICATION_AFTER = timedelta(hours=env.int("STALE_VERIFICATION_HOURS", default=48))
NOTIFICATION_RETENTION = timedelta(days=env.int("NOTIFICATION_RETENTION_DAYS", default=180))

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "governance.accounts.backends.PhoneOrUsernameBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous visitors see nothing scoped

# Lock out by username AND address together, so one person's typos cannot lock a whole office
# out behind one NAT address, and the lockout ends by itself.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Every spelling of one account (username, 138 1234 1234, +86…) counts towards the same lock-out.
AXES_USERNAME_CALLABLE = "governance.accounts.backends.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Files per request: an issue takes at most 6 photos (governance/issues/models.PHOTOS_MAX); a few
# more get through to the form so the person is told the limit instead of a bare 400.
DATA_UPLOAD_MAX_NUMBER_FILES = 10
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20000)

# --- E-mail ---------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# EMAIL_URL=filemail:////abs/path (four slashes, as for sqlite) writes each message to a file there.
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Linli 邻里 <noreply@linli.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not (DEBUG or TESTING))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not (DEBUG or TESTING))
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "governance.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "governance.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Linli API",
    "DESCRIPTION": "Party-building-led governance of residential compounds.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Three models have a "kind" with different choices; name each enum after its own class.
    "ENUM_NAME_OVERRIDES": {
        "BranchKindEnum": "governance.party.models.BranchKind",
        "MemberKindEnum": "governance.party.models.MemberKind",
        "BodyKindEnum": "committees.models.BodyKind",
        "IssueKindEnum": "governance.issues.models.IssueKind",
        "IssueStateEnum": "governance.issues.states.State",
        "HandlerKindEnum": "governance.issues.models.HandlerKind",
        "MeetingKindEnum": "governance.meetings.models.MeetingKind",
        "MeetingStatusEnum": "governance.meetings.models.MeetingStatus",
        "ActionStatusEnum": "governance.meetings.models.ActionStatus",
        "MeetingOrganisationEnum": "governance.meetings.models.Organisation",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "celery.app.trace": {"level": "WARNING"}},
}

# Minutes before a joint meeting at which every invitee is reminded (default 3 days and 2 hours).
MEETING_REMINDER_OFFSETS = env.list("MEETING_REMINDER_OFFSETS", cast=int, default=[3 * 24 * 60, 120])
# The domain in calendar files' event ids (UID): stable, so calendars update instead of duplicating.
LINLI_ICS_DOMAIN = env.str("LINLI_ICS_DOMAIN", default="linli.local")
# Benchmark-only endpoints (/bench/bare/, /bench/user/) and the X-Linli-Queries header (issue 6,
# bench/README.md) stay off unless explicitly enabled.
LINLI_BENCH_ENDPOINTS = env.bool("LINLI_BENCH_ENDPOINTS", default=False)
if LINLI_BENCH_ENDPOINTS:
    MIDDLEWARE.insert(0, "governance.bench.QueryCountMiddleware")
