"""Settings for benchmarks: the production settings (DEBUG off) plus the bench-only URLs."""

import os
import warnings

# Set before the project settings are read, so everything that depends on DEBUG is computed as in production.
os.environ.setdefault("DEBUG", "false")
# Served over plain HTTP on 127.0.0.1: no HTTPS redirect, no secure-only cookies.
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-real-deployment-0123456789")

from streaming_platform.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
# The API benches need no collected static files; the manifest storage would fail without them.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "WARNING")  # noqa: F405

# Collected static files are not needed by the API benches; whitenoise would warn about the missing folder.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
