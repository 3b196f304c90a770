"""The `provisiond` command line (DESIGN.md §3): parsing, exit codes and output only."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import provisiond
import provisiond.plan as planning
from provisiond import app, client, config, summary
from provisiond.lab import runner as lab_runner
from provisiond.lab.errors import LabError
from provisiond.model.errors import ModelError
from provisiond.schema import codec

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from provisiond.model.objects import Dataset

DEFAULT_CONFIG = "/etc/provisiond/provisiond.toml"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
HTTP_OK = 200
DEFAULT_STATUS_URL = "http://127.0.0.1:8080"


class CommandError(Exception):
    """A failure to report as one `provisiond: error: …` line and exit 1."""


def config_argument(raw: str | None) -> str:
    """`-c`, else `$PROVISIOND_CONFIG`, else the packaged default path."""
    return raw or os.environ.get("PROVISIOND_CONFIG") or DEFAULT_CONFIG


def load_settings(raw: str) -> config.Settings:
    try:
        return config.load(Path(raw))
    except config.ConfigError as exc:
        raise CommandError("\n".join(_issue_line(raw, issue) for issue in exc.issues)) from exc


def _issue_line(raw: str, issue: config.ConfigIssue) -> str:
    # FILE exactly as given on the command line (Path() would drop a leading "./").
    return issue.render(raw)


def cmd_run(args: argparse.Namespace) -> int:
    raw = config_argument(args.config)
    load_settings(raw)  # report config errors in the CLI format before anything starts
    try:
        return asyncio.run(app.run_daemon(Path(raw)))
    except app.StartupError as exc:
        raise CommandError(str(exc)) from exc


def cmd_check_config(args: argparse.Namespace) -> int:
    raw = config_argument(args.config)
    try:
        config.load(Path(raw))
    except config.ConfigError as exc:
        for issue in exc.issues:
            sys.stderr.write(_issue_line(raw, issue) + "\n")
        return EXIT_FAILURE
    sys.stdout.write(f"{raw}: ok\n")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    settings = load_settings(config_argument(args.config))
    dataset = _read_dataset(args.data)
    url = app.running_status_url(settings)
    if url is not None:
        counts = _import_through_api(settings, url, args)
        sys.stdout.write(json.dumps(counts, indent=2) + "\n")
        return EXIT_OK
    try:
        counts = asyncio.run(app.import_dataset(settings, dataset, triggers=args.triggers))
    except ModelError as exc:
        raise CommandError(f"{args.data}: {exc}; nothing was imported") from exc
    except app.StartupError as exc:
        raise CommandError(str(exc)) from exc
    sys.stdout.write(json.dumps(counts, indent=2) + "\n")
    return EXIT_OK


def _import_through_api(settings: config.Settings, url: str, args: argparse.Namespace) -> object:
    """A running daemon owns the store: hand the document to its `POST /api/v1/import`."""
    token = client.admin_token(settings)
    if token is None:
        raise CommandError(
            "a daemon is running, and the config has no admin token to reach its API"
        )
    api = client.ApiClient(url, token, settings.status.tls_cert_file, timeout=600)
    query = "?triggers=true" if args.triggers else ""
    try:
        status, body = api.request("POST", f"/api/v1/import{query}", Path(args.data).read_bytes())
    except client.ClientError as exc:
        raise CommandError(str(exc)) from exc
    if status != HTTP_OK:
        raise CommandError(f"{args.data}: {client.error_text(status, body)}; nothing was imported")
    return body


def _read_dataset(path: str) -> Dataset:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from exc
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    try:
        return codec.parse_dataset(payload, importing=True)
    except ModelError as exc:
        raise CommandError(f"{path}: {exc}; nothing was imported") from exc


def cmd_export(args: argparse.Namespace) -> int:
    settings = load_settings(config_argument(args.config))
    dataset = asyncio.run(app.load_dataset(settings))
    document = codec.dump_dataset(dataset, include_secrets=args.include_secrets)
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=False) + "\n")
    if not args.include_secrets:
        sys.stderr.write(
            "note: write-only fields (RADIUS passwords, trigger secrets) are left out; this "
            "export cannot restore them (use --include-secrets)\n"
        )
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    settings = load_settings(config_argument(args.config))
    try:
        plans = asyncio.run(app.plan_devices(settings, args.device))
    except (app.StartupError, ModelError) as exc:  # ModelError: a device cannot be reached
        raise CommandError(str(exc)) from exc
    if args.json:
        documents = [planning.to_json(plan) for plan in plans]
        # One device asked for: the §7 object itself; otherwise a list of them.
        output: object = documents[0] if args.device else documents
        sys.stdout.write(json.dumps(output, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(planning.to_text(plan) for plan in plans) + "\n")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    # The config gives the URL and a token; without one (`--url` on another host) the
    # token comes from $PROVISIOND_TOKEN.
    explicit = args.config or os.environ.get("PROVISIOND_CONFIG")
    raw = config_argument(args.config)
    settings = load_settings(raw) if explicit or Path(raw).exists() else None
    url = args.url or (settings and app.running_status_url(settings)) or DEFAULT_STATUS_URL
    token = os.environ.get("PROVISIOND_TOKEN") or (settings and client.read_token(settings))
    cafile = settings.status.tls_cert_file if settings else None
    try:
        lines = summary.render(client.ApiClient(url.rstrip("/"), token or None, cafile))
    except client.ClientError as exc:
        raise CommandError(str(exc)) from exc
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def cmd_lab(args: argparse.Namespace) -> int:
    settings = load_settings(config_argument(args.config))
    try:
        lab_runner.nas_simulators(settings, args.nas)  # name a wrong --nas before starting
    except LabError as exc:
        raise CommandError(str(exc)) from exc
    asyncio.run(app.run_lab(settings, nas=args.nas))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="provisiond", description="Keeps an ISP's network in step with its billing."
    )
    parser.add_argument("--version", action="version", version=provisiond.__version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(
        name: str, handler: Callable[[argparse.Namespace], int], text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument(
            "-c",
            "--config",
            help=f"config file (default: $PROVISIOND_CONFIG, else {DEFAULT_CONFIG})",
        )
        sub.set_defaults(handler=handler)
        return sub

    command("run", cmd_run, "run the daemon in the foreground")
    command("check-config", cmd_check_config, "validate the config file")
    importer = command(
        "import", cmd_import, "load a JSON model export (all-or-nothing upsert by id)"
    )
    importer.add_argument(
        "--triggers", action="store_true", help="fire account triggers for the changes"
    )
    importer.add_argument("data", metavar="DATA.json")
    exporter = command("export", cmd_export, "print the whole model as JSON")
    exporter.add_argument(
        "--include-secrets",
        action="store_true",
        help="include RADIUS passwords and trigger secrets",
    )
    status = command("status", cmd_status, "summarise a running daemon from its API")
    status.add_argument(
        "--url", help=f"its status endpoint (default: from the config, else {DEFAULT_STATUS_URL})"
    )
    lab = command("lab", cmd_lab, "emulate the config's loopback RouterOS devices (API and SSH)")
    lab.add_argument(
        "--nas",
        action="append",
        default=[],
        metavar="NAME",
        help="also run a NAS simulator for this device's [device.nas] on its coa_address:"
        "coa_port (repeatable)",
    )
    planner = command("plan", cmd_plan, "print what a sync would change on the devices")
    planner.add_argument("--device", help="only this device")
    planner.add_argument("--json", action="store_true", help="the API's plan JSON shape")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except CommandError as exc:
        for line in str(exc).splitlines():
            sys.stderr.write(f"provisiond: error: {line}\n")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_OK
