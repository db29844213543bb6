"""The streaming platform backend: one Django project, one app per service."""

__version__ = "0.1.0"
