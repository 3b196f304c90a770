"""The `provisiond` command line (DESIGN.md §3)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

import provisiond

if TYPE_CHECKING:
    from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="provisiond", description=__doc__)
    parser.add_argument("--version", action="version", version=provisiond.__version__)
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return 0
