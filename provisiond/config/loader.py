"""`load()`: read a TOML file into `Settings`, or raise `ConfigError` with every issue.

`tomllib` parses (a syntax error is one issue at tomllib's line); `positions` maps keys to
lines; the section builders read and check; `validate` checks across sections. Nothing is
returned unless the whole file is clean, so a reload never applies half a config.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Final

from provisiond.config import devices, positions, sections, validate
from provisiond.config.errors import ConfigError, ConfigIssue
from provisiond.config.reader import Context, Located, Table
from provisiond.config.secrets import FileLookup
from provisiond.config.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond.config.settings import DeviceSettings

CREDENTIALS_DIRECTORY: Final = "CREDENTIALS_DIRECTORY"
_TOML_POSITION: Final = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def load(path: Path, *, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in `path`; `environ` (default `os.environ`) supplies
    `CREDENTIALS_DIRECTORY` for relative `*_file` names."""
    file = str(path)
    text = _read(path, file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError((_syntax_issue(file, text, str(exc)),)) from exc
    environ = os.environ if environ is None else environ
    credentials = environ.get(CREDENTIALS_DIRECTORY)
    context = Context(
        file=file,
        lines=positions.scan(text),
        files=FileLookup(
            config_dir=path.parent,
            credentials_dir=Path(credentials) if credentials else None,
        ),
    )
    settings = build(Table(context, (), data))
    if context.issues:
        raise ConfigError(tuple(sorted(context.issues, key=lambda issue: issue.line or 1)))
    return settings


def build(root: Table) -> Settings:
    """Every section of the document at `root`; problems go to `root.context`."""
    state_dir = sections.read_state_dir(root)
    radius_table = root.table("radius")
    coa_clients = [
        Located(item.path, client)
        for item in radius_table.tables("coa_client")
        if (client := sections.coa_client(item))
    ]
    radius = sections.radius(radius_table, coa_clients=tuple(item.value for item in coa_clients))
    device_list = _devices(root, require_message_authenticator=radius.require_message_authenticator)
    settings = Settings(
        state_dir=state_dir,
        store=sections.store(root.table("store"), state_dir=state_dir),
        model=sections.model(root.table("model")),
        status=sections.status(root.table("status")),
        radius=radius,
        coa=sections.coa(root.table("coa")),
        reconcile=sections.reconcile(root.table("reconcile")),
        usage=sections.usage(root.table("usage")),
        webhooks=sections.webhooks(root.table("webhooks")),
        logging=sections.logging(root.table("logging")),
        devices=tuple(item.value for item in device_list),
    )
    root.finish()
    validate.cross_check(root.context, devices=device_list, coa_clients=coa_clients)
    return settings


def _devices(root: Table, *, require_message_authenticator: bool) -> list[Located[DeviceSettings]]:
    return [
        Located(item.path, device)
        for item in root.tables("device")
        if (
            device := devices.device(
                item, require_message_authenticator=require_message_authenticator
            )
        )
    ]


def _read(path: Path, file: str) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        message = f"cannot read the configuration: {exc.strerror or exc}"
        raise ConfigError((ConfigIssue(file, 1, "", message),)) from exc
    except UnicodeDecodeError as exc:
        issue = ConfigIssue(file, 1, "", "the configuration is not UTF-8 text")
        raise ConfigError((issue,)) from exc


def _syntax_issue(file: str, text: str, message: str) -> ConfigIssue:
    """tomllib puts the position in the message; move it to the issue's line."""
    match = _TOML_POSITION.search(message)
    if match is None:
        return ConfigIssue(file, 1, "", f"invalid TOML: {message}")
    line = int(match.group(1)) if match.group(1) else text.count("\n") + 1
    where = f" (column {match.group(2)})" if match.group(2) else " (at the end of the file)"
    return ConfigIssue(file, line, "", f"invalid TOML: {message[: match.start()]}{where}")
