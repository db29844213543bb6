"""Project settings; everything that varies between machines is read from the environment here."""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY in the environment when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Region used for anonymous viewers who do not pass ?region= (ISO 3166-1 alpha-2).
DEFAULT_REGION = os.environ.get("DEFAULT_REGION", "US").upper()

INSTALLED_APPS = [
    # daphne first: `manage.py runserver` then serves HTTP and WebSocket on one port.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "streaming_platform",
    "catalog.apps.CatalogConfig",
    "identity.apps.IdentityConfig",
    "stream.apps.StreamConfig",
    "analytics.apps.AnalyticsConfig",
    "recommend.apps.RecommendConfig",
    "topology.apps.TopologyConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "streaming_platform.middleware.OptionalTrailingSlashMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "streaming_platform.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "streaming_platform.middleware.ApiErrorMiddleware",
]

if not DEBUG:
    # Production serves its collected static files itself; development lets runserver do it.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

# Documented paths answer with or without a trailing slash; never redirect.
APPEND_SLASH = False

ROOT_URLCONF = "streaming_platform.urls"
ASGI_APPLICATION = "streaming_platform.asgi.application"
WSGI_APPLICATION = "streaming_platform.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------

SQLITE_BUSY_TIMEOUT_S = 20
# Off by default: whenever another connection has written, SQLite drops a connection's memory map at the
# start of its next read and maps and faults the file in again. With several workers writing (player
# heartbeats), that costs more than the page copies a map saves; a read-mostly deployment may set it.
SQLITE_MMAP_SIZE = env_int("SQLITE_MMAP_MB", 0) * 2**20
# Page cache per connection (SQLite's default is 2 MB); it lasts until another connection writes.
SQLITE_CACHE_KIB = env_int("SQLITE_CACHE_MB", 2) * 1024
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Persistent connections: opening one per request costs more than most requests (WAL set-up, and a
        # checkpoint when the last SQLite connection closes).
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN so
    # concurrent writers queue on the busy timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": SQLITE_BUSY_TIMEOUT_S,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA mmap_size={SQLITE_MMAP_SIZE}; PRAGMA cache_size=-{SQLITE_CACHE_KIB};"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "identity.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Redis: optional in development, required to share state between worker processes ------------

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    # Room for the home feed's per-title cards (Django's default of 300 entries would evict them at once).
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 50_000}}
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Internationalisation and time ----------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded artwork and its sized copies: local files under MEDIA_ROOT (var/media, ignored by git) unless
# MEDIA_STORAGE_BACKEND names another backend (e.g. storages.backends.s3.S3Storage) with MEDIA_STORAGE_OPTIONS (JSON).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(os.environ.get("MEDIA_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGIN_URL = "/admin/login/"

# Bodies over this size get 413 (analytics batches of 1,000 events fit comfortably).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

# --- REST API -------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "streaming_platform.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "streaming_platform.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login_address": os.environ.get("LOGIN_RATE_PER_ADDRESS", "30/min"),
        "login_account": os.environ.get("LOGIN_RATE_PER_ACCOUNT", "10/min"),
        "pin": os.environ.get("PIN_RATE", "5/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_TTL": timedelta(hours=env_int("TOKEN_TTL_HOURS", 24 * 14)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Streaming Platform API",
    "DESCRIPTION": "Catalog, Identity, Recommend, Stream and Analytics services.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Production hardening ------------------------------------------------------------------------
# HTTPS (default: on whenever DEBUG is off) turns on redirects, secure cookies and HSTS. Behind a
# TLS-terminating proxy set BEHIND_TLS_PROXY=true so X-Forwarded-Proto tells Django the scheme.
HTTPS = env_bool("HTTPS", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- identity ---
# An email is locked for IDENTITY_LOGIN_LOCKOUT_MINUTES after this many failed logins within that time.
IDENTITY_LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5)
IDENTITY_LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)

# --- stream ---
# Key of the HMAC that signs playback URLs (manifest, steering); defaults to SECRET_KEY.
STREAM_SIGNING_KEY = os.environ.get("STREAM_SIGNING_KEY", SECRET_KEY)
STREAM_URL_TTL_S = env_int("STREAM_URL_TTL_S", 6 * 3600)  # lifetime of a signed playlist URL
STREAM_HEARTBEAT_INTERVAL_S = env_int("STREAM_HEARTBEAT_INTERVAL_S", 10)  # how often players send metrics
STREAM_IDLE_TIMEOUT_S = env_int("STREAM_IDLE_TIMEOUT_S", 300)  # no update for this long ends a session
STREAM_CDN_HEALTH_WINDOW_S = env_int("STREAM_CDN_HEALTH_WINDOW_S", 300)  # CDN health looks at this recent window
STREAM_STEERING_TTL_S = env_int("STREAM_STEERING_TTL_S", 300)  # how long a player keeps a steering manifest

# --- topology ---
# First, so the latency it records covers every other middleware too.
MIDDLEWARE.insert(0, "topology.middleware.ServiceMetricsMiddleware")
# Off only to measure what the metrics cost (bench/topology_bench.py).
TOPOLOGY_METRICS_ENABLED = env_bool("TOPOLOGY_METRICS_ENABLED", True)
TOPOLOGY_UPDATE_INTERVAL_S = float(os.environ.get("TOPOLOGY_UPDATE_INTERVAL_S", "1"))
# Key prefix of the shared metrics when REDIS_URL is set.
TOPOLOGY_REDIS_PREFIX = os.environ.get("TOPOLOGY_REDIS_PREFIX", "topology")
# One schema enum per choice set the stream API uses under several field names.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {"StreamDeviceTypeEnum": "stream.models.DeviceType", "StreamPlayerStateEnum": "stream.models.PlayerState"}
)

# --- recommend ---
# A viewer's cached list counts as fresh this long (new history or a title turning invisible ends it sooner).
RECOMMEND_TTL_S = env_int("RECOMMEND_TTL_S", 3600)
# Titles kept per cached list (the most `?limit=` asks for).
RECOMMEND_LIST_SIZE = 100
# The model is rebuilt once this many history rows arrived, or RECOMMEND_REBUILD_SHARE of what it learnt from
# if more; "background" rebuilds in a thread of the process that noticed, "inline" in the request, "off" never.
RECOMMEND_REBUILD_MIN_NEW_HISTORY = env_int("RECOMMEND_REBUILD_MIN_NEW_HISTORY", 1000)
RECOMMEND_REBUILD_SHARE = 0.1
RECOMMEND_AUTO_REBUILD = os.environ.get("RECOMMEND_AUTO_REBUILD", "background")

# --- analytics ---
# Client events older than this, or further ahead than the allowed clock skew, are refused (seconds).
ANALYTICS_EVENT_MAX_AGE_S = env_int("ANALYTICS_EVENT_MAX_AGE_S", 7 * 24 * 3600)
ANALYTICS_EVENT_MAX_FUTURE_S = env_int("ANALYTICS_EVENT_MAX_FUTURE_S", 300)
if REDIS_URL:
    # redis-py 8 gives every socket a 5 s read timeout, the same as the 5 s blocking pop channels_redis
    # waits on: an idle WebSocket consumer would then fail after 5 s. A longer read timeout restores it.
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{"address": REDIS_URL, "socket_timeout": 30}]

# --- catalog ---
# Seconds an anonymous (or per-viewer) catalog list page, and a list's total count, may be served from cache.
CATALOG_LIST_CACHE_S = env_int("CATALOG_LIST_CACHE_S", 30)
CATALOG_COUNT_CACHE_S = env_int("CATALOG_COUNT_CACHE_S", 60)
# Prefix of image URLs in API answers (e.g. a CDN origin in front of /api/catalog/images/); empty: same origin.
CATALOG_IMAGE_BASE_URL = os.environ.get("CATALOG_IMAGE_BASE_URL", "")
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "KindEnum": "catalog.models.Kind",  # the name it had before other "kind" fields existed
        "ImageKindEnum": "catalog.models.ImageKind",
        "ExtraKindEnum": "catalog.models.ExtraKind",
        "HomeRowKindEnum": "recommend.home.ROW_KINDS",
    }
)

# --- identity ---
# Behind reverse proxies (nginx in `manage.py serve`), the number of them that append to X-Forwarded-For,
# so login throttling sees the real client address (DRF's NUM_PROXIES); unset keeps DRF's default.
if os.environ.get("NUM_PROXIES"):
    REST_FRAMEWORK["NUM_PROXIES"] = env_int("NUM_PROXIES", 0)
