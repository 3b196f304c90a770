"""Logs (structlog over the standard library) and every Prometheus metric, in one place."""
