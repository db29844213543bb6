"""WSGI entry point, for serving plain HTTP with WSGI workers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming_platform.settings")
application = get_wsgi_application()
