"""structlog configuration: one formatter for our logs and every library's.

Our modules log through the standard library (`logging.getLogger(__name__)` with lazy
`%` arguments); structlog's `ProcessorFormatter` renders those records and the records of
pyrad, librouteros, asyncssh, aiohttp.access and pysnmp alike, as JSON or console lines.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

import structlog

if TYPE_CHECKING:
    from collections.abc import Iterable, MutableMapping

REDACTED = "<redacted>"

# Chatty libraries: their debug output formats every packet or SSH message.
_QUIET_LIBRARIES = ("asyncssh", "pyrad", "pysnmp", "aiosqlite", "alembic", "sqlalchemy")


class SecretScrubber:
    """A last line of defence: replaces any configured secret that reaches a log event.

    Secrets are held as `model.secret.Secret` and never logged on purpose; this catches
    the accident (a library echoing a packet, an exception quoting a URL with a password).
    """

    def __init__(self) -> None:
        self._secrets: tuple[str, ...] = ()

    def set_secrets(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def __call__(
        self, _logger: object, _method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        if not self._secrets:
            return event
        for key, value in event.items():
            if isinstance(value, str):
                event[key] = self._scrub(value)
        return event

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


def configure(
    *, fmt: str, level: str, scrubber: SecretScrubber, stream: TextIO | None = None
) -> None:
    """Install the formatter on the root logger; safe to call again on reload."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    final: list[structlog.typing.Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        structlog.processors.format_exc_info,
        scrubber,
        renderer,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=final)
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
