from __future__ import annotations

import io
import json
import logging

from provisiond.observability.logging import REDACTED, SecretScrubber, configure


def test_json_logs_carry_library_records_and_scrub_secrets() -> None:
    stream = io.StringIO()
    scrubber = SecretScrubber()
    scrubber.set_secrets(["s3cret-token", ""])
    configure(fmt="json", level="info", scrubber=scrubber, stream=stream)
    try:
        logging.getLogger("provisiond.test").info("login with %s", "s3cret-token")
        logging.getLogger("aiohttp.access").info("GET /x?token=s3cret-token")
        logging.getLogger("asyncssh").info("too chatty to show")
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["logger"] for line in lines] == ["provisiond.test", "aiohttp.access"]
    assert lines[0]["event"] == f"login with {REDACTED}"
    assert "s3cret-token" not in stream.getvalue()
    assert all(line["level"] == "info" and line["timestamp"] for line in lines)


def test_console_format_is_plain_text() -> None:
    stream = io.StringIO()
    configure(fmt="console", level="warning", scrubber=SecretScrubber(), stream=stream)
    try:
        logging.getLogger("provisiond.test").info("hidden")
        logging.getLogger("provisiond.test").warning("shown %d", 1)
    finally:
        logging.getLogger().handlers.clear()
    assert "shown 1" in stream.getvalue()
    assert "hidden" not in stream.getvalue()
