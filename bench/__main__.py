"""Run every benchmark module and print its figures as JSON lines.

Each module in `MODULES` exposes `run() -> Iterable[Figure]`. Targets live in the issue
notes and docs, never in tests: a benchmark reports, it does not pass or fail.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bench import Figure

MODULES: tuple[str, ...] = (
    "bench.policy",
    "bench.routeros",
    "bench.change_to_router",
    "bench.radius",
    "bench.radius_handler",
    "bench.usage",
    "bench.coa",
)


class BenchModule(Protocol):
    def run(self) -> Iterable[Figure]: ...


def main(selected: list[str]) -> None:
    for name in MODULES:
        if selected and name.rsplit(".", 1)[-1] not in selected:
            continue
        module = cast("BenchModule", importlib.import_module(name))
        for figure in module.run():
            line = {"bench": figure.bench, "value": round(figure.value, 4), "unit": figure.unit}
            if figure.note:
                line["note"] = figure.note
            sys.stdout.write(json.dumps(line) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
