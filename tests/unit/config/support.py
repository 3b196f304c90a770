"""Load TOML text the way `provisiond check-config -c provisiond.toml` would."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from provisiond.config import ConfigError, Settings, load

if TYPE_CHECKING:
    from collections.abc import Mapping

CONFIG = "provisiond.toml"

# A minimal managed device, for tests about something else.
ROUTER = """\
[[device]]
name = "core-1"
platform = "routeros"
host = "192.0.2.1"
username = "provisiond"
password = "router-password"
"""


def write(text: str, name: str = CONFIG) -> Path:
    path = Path(name)
    path.write_text(textwrap.dedent(text))
    return path


def load_text(text: str, *, environ: Mapping[str, str] | None = None) -> Settings:
    return load(write(text), environ=environ or {})


def issues(text: str, *, environ: Mapping[str, str] | None = None) -> list[str]:
    """The `FILE:LINE: key: message` lines a bad config gives."""
    with pytest.raises(ConfigError) as caught:
        load_text(text, environ=environ)
    return [str(issue) for issue in caught.value.issues]
