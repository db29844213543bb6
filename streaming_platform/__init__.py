"""The streaming platform backend: one Django project, one app per service."""

import time

__version__ = "0.1.0"

# When this process started, for the uptime that every service's status endpoint reports.
STARTED_AT = time.monotonic()
