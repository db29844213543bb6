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
# `make dev` listens on every interface; DEV_LAN=true lets phones and TVs on the LAN reach it by the
# machine's address. Development only: with DEBUG off the hosts are always named.
if DEBUG and env_bool("DEV_LAN", False):
    ALLOWED_HOSTS = ["*"]
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
    "corsheaders",
    "streaming_platform",
    "catalog.apps.CatalogConfig",
    "identity.apps.IdentityConfig",
    "stream.apps.StreamConfig",
    "analytics.apps.AnalyticsConfig",
    "recommend.apps.RecommendConfig",
    "topology.apps.TopologyConfig",
]

MIDDLEWARE = [
    # First, so the latency it records covers every other middleware too.
    "topology.middleware.ServiceMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that authenticates: a browser's preflight carries no credentials.
    "stream.middleware.SignedUrlCorsMiddleware",
    # Production serves its collected static files itself; development lets runserver do it.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "corsheaders.middleware.CorsMiddleware",
    "streaming_platform.middleware.ApiRequestGuardMiddleware",
    "streaming_platform.middleware.OptionalTrailingSlashMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "streaming_platform.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "streaming_platform.middleware.ApiErrorMiddleware",
    "streaming_platform.middleware.ContentSecurityPolicyMiddleware",
]
# The policy of the site's HTML pages (dashboard, admin); see streaming_platform/middleware.py.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

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
# Every password check (API login, admin login, any later form) goes through the identity lockout.
AUTHENTICATION_BACKENDS = ["identity.backends.LockoutModelBackend"]

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
    # redis-py 8 gives every socket a 5 s read timeout, the same as the 5 s blocking pop channels_redis
    # waits on: an idle WebSocket consumer would then fail after 5 s. A longer read timeout restores it.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
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
        "identity.authentication.ProfileTokenAuthentication",
        "identity.authentication.ProfileSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "streaming_platform.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "streaming_platform.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "streaming_platform.api.schema.ProjectAutoSchema",
    "EXCEPTION_HANDLER": "streaming_platform.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login_address": os.environ.get("LOGIN_RATE_PER_ADDRESS", "30/min"),
        "login_account": os.environ.get("LOGIN_RATE_PER_ACCOUNT", "10/min"),
        "pin": os.environ.get("PIN_RATE", "5/min"),
        "register_address": os.environ.get("REGISTER_RATE_PER_ADDRESS", "10/hour"),
        "password_reset_address": os.environ.get("PASSWORD_RESET_RATE_PER_ADDRESS", "10/hour"),
        "device_code_address": os.environ.get("DEVICE_CODE_RATE_PER_ADDRESS", "30/hour"),
        "device_approve": os.environ.get("DEVICE_APPROVE_RATE", "10/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # How many reverse proxies really stand in front and append to X-Forwarded-For: throttles read the
    # client address that many hops from the end. 0 (no proxy) ignores the header, which any client can
    # forge; `manage.py serve` sets 1 for its own nginx.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "streaming_platform.api.schema.postprocess",
    ],
    # One schema enum per choice set used under several field names, named once.
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "catalog.models.Kind",  # the name it had before other "kind" fields existed
        "ImageKindEnum": "catalog.models.ImageKind",
        "ExtraKindEnum": "catalog.models.ExtraKind",
        "HomeRowKindEnum": "recommend.home.ROW_KINDS",
        # The kinds of signed-in device (the stream API's session devices have their own).
        "SignedInDeviceTypeEnum": "identity.account.models.DeviceType",
        "StreamDeviceTypeEnum": "stream.models.DeviceType",
        "StreamPlayerStateEnum": "stream.models.PlayerState",
        "StreamSessionStatusEnum": "stream.models.SessionStatus",
    },
}

# --- Browser clients on other origins (CORS), also the WebSocket's allowed origins ---------------
# Origins (scheme://host[:port]) of the web apps that may call the API; development allows the usual
# local front-end ports. The signed playback URLs (manifest, steering, CMCD reporting) answer any origin.
DEVELOPMENT_CORS_ORIGINS = ",".join(
    f"http://{host}:{port}" for host in ("localhost", "127.0.0.1") for port in (3000, 4173, 4200, 5173, 8080)
)
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", DEVELOPMENT_CORS_ORIGINS if DEBUG else "")
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = env_bool("CORS_ALLOW_CREDENTIALS", False)  # bearer tokens need no cookies
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "cmcd-object",
    "cmcd-request",
    "cmcd-session",
    "cmcd-status",
)
CORS_EXPOSE_HEADERS = ("retry-after",)
CORS_PREFLIGHT_MAX_AGE = 3600

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
    # Django's own console handler (DEBUG only) would print every "django.*" line a second time.
    "loggers": {"django": {"handlers": [], "level": "INFO"}, "django.request": {"level": "ERROR"}},
}

# --- identity ---
# An email is locked for IDENTITY_LOGIN_LOCKOUT_MINUTES after this many failed logins within that time.
IDENTITY_LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5)
IDENTITY_LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# After this many wrong PINs in a row the PIN is locked until the account password unlocks it.
IDENTITY_PIN_LOCKOUT_FAILURES = env_int("PIN_LOCKOUT_FAILURES", 10)
# The plan every new account starts on; plans change only by staff (admin, or the billing hook endpoint).
IDENTITY_DEFAULT_PLAN = os.environ.get("DEFAULT_PLAN", "basic")
# Password reset links (Django's token generator) work once, for this many seconds.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)
# The page of the web app that takes a reset link's uid and token and posts them to auth/password-reset/confirm.
IDENTITY_PASSWORD_RESET_URL = os.environ.get(
    "PASSWORD_RESET_URL", "http://localhost:8000/watch/reset-password?uid={uid}&token={token}"
)
# Sign-in on a TV with a code (RFC 8628): where the viewer types the code, how long it lives, how often the TV polls.
IDENTITY_DEVICE_VERIFICATION_URI = os.environ.get("DEVICE_VERIFICATION_URI", "http://localhost:8000/watch/activate")
IDENTITY_DEVICE_CODE_TTL_S = env_int("DEVICE_CODE_TTL_S", 600)
IDENTITY_DEVICE_POLL_INTERVAL_S = env_int("DEVICE_POLL_INTERVAL_S", 5)

# --- email: printed on the console in development; SMTP from the environment in production ---
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Streaming Platform <no-reply@localhost>")

# --- stream ---
# Key of the HMAC that signs playback URLs (manifest, steering); defaults to SECRET_KEY.
STREAM_SIGNING_KEY = os.environ.get("STREAM_SIGNING_KEY", SECRET_KEY)
STREAM_URL_TTL_S = env_int("STREAM_URL_TTL_S", 6 * 3600)  # lifetime of a signed playlist URL
STREAM_HEARTBEAT_INTERVAL_S = env_int("STREAM_HEARTBEAT_INTERVAL_S", 10)  # how often players send metrics
STREAM_IDLE_TIMEOUT_S = env_int("STREAM_IDLE_TIMEOUT_S", 300)  # no update for this long ends a session
# With REDIS_URL, live session state is in Redis: the session's row is written at least this often (seconds),
# a token check is cached this long (revocation drops it at once), under this key prefix.
STREAM_CHECKPOINT_S = env_int("STREAM_CHECKPOINT_S", 60)
STREAM_TOKEN_CACHE_S = env_int("STREAM_TOKEN_CACHE_S", 300)
STREAM_LIVE_PREFIX = os.environ.get("STREAM_LIVE_PREFIX", "stream-live")
# Where playing sessions' live state is kept: "redis" (the default with REDIS_URL) or "database" (their rows).
STREAM_LIVE_STORE = os.environ.get("STREAM_LIVE_STORE", "redis" if REDIS_URL else "database")
STREAM_CDN_HEALTH_WINDOW_S = env_int("STREAM_CDN_HEALTH_WINDOW_S", 300)  # CDN health looks at this recent window
STREAM_STEERING_TTL_S = env_int("STREAM_STEERING_TTL_S", 300)  # how long a player keeps a steering manifest
# Development media (`manage.py media_prepare`, run by `make dev`): cached outside the repository.
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "streaming-platform"
STREAM_MEDIA_DIR = os.environ.get("STREAM_MEDIA_DIR", str(CACHE_DIR / "media"))
STREAM_MEDIA_CLIP_S = env_int("STREAM_MEDIA_CLIP_S", 60)  # length of the generated clip
STREAM_MEDIA_RUNGS_KBPS = [int(kbps) for kbps in env_list("STREAM_MEDIA_RUNGS_KBPS", "")]  # empty: every rung
# The development origin at /dev-origin/ (stream.origin): on in development only.
STREAM_DEV_ORIGIN = env_bool("STREAM_DEV_ORIGIN", DEBUG)
STREAM_DEV_ORIGIN_URL = os.environ.get("STREAM_DEV_ORIGIN_URL", "http://localhost:8000/dev-origin")  # as seeded
# Lifetime of a delivery token on variant playlists and segments; the steering reload renews it before it ends.
STREAM_DELIVERY_TOKEN_TTL_S = env_int("STREAM_DELIVERY_TOKEN_TTL_S", 3600)

# --- topology ---
# Off only to measure what the metrics cost (bench/topology_bench.py).
TOPOLOGY_METRICS_ENABLED = env_bool("TOPOLOGY_METRICS_ENABLED", True)
TOPOLOGY_UPDATE_INTERVAL_S = float(os.environ.get("TOPOLOGY_UPDATE_INTERVAL_S", "1"))
# Key prefix of the shared metrics when REDIS_URL is set.
TOPOLOGY_REDIS_PREFIX = os.environ.get("TOPOLOGY_REDIS_PREFIX", "topology")
# Redis of the shared metrics, when not REDIS_URL itself.
TOPOLOGY_REDIS_URL = os.environ.get("TOPOLOGY_REDIS_URL", "")

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
# Seconds the popular titles of a region, and what a region's viewers share in the home feed, are cached.
RECOMMEND_POPULAR_CACHE_S = env_int("RECOMMEND_POPULAR_CACHE_S", 60)
RECOMMEND_HOME_CACHE_S = env_int("RECOMMEND_HOME_CACHE_S", 30)

# --- analytics ---
# Client events older than this, or further ahead than the allowed clock skew, are refused (seconds).
ANALYTICS_EVENT_MAX_AGE_S = env_int("ANALYTICS_EVENT_MAX_AGE_S", 7 * 24 * 3600)
ANALYTICS_EVENT_MAX_FUTURE_S = env_int("ANALYTICS_EVENT_MAX_FUTURE_S", 300)

# --- catalog ---
# Seconds an anonymous (or per-viewer) catalog list page, and a list's total count, may be served from cache.
CATALOG_LIST_CACHE_S = env_int("CATALOG_LIST_CACHE_S", 30)
CATALOG_COUNT_CACHE_S = env_int("CATALOG_COUNT_CACHE_S", 60)
# Prefix of image URLs in API answers (e.g. a CDN origin in front of /api/catalog/images/); empty: same origin.
CATALOG_IMAGE_BASE_URL = os.environ.get("CATALOG_IMAGE_BASE_URL", "")
