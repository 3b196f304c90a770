"""Composition root: config → objects → supervised tasks. The only package that wires.

Everything here is glue: which object gets which settings, which task feeds which. The
behaviour lives in the packages it wires. `daemon` is `provisiond run`; `live` keeps the
in-memory state in step with the store; `commands` serves the one-shot CLI commands.
"""

from provisiond.app.commands import (
    StartupError,
    import_dataset,
    load_dataset,
    plan_devices,
    run_lab,
    running_status_url,
)
from provisiond.app.daemon import Daemon, run_daemon

__all__ = [
    "Daemon",
    "StartupError",
    "import_dataset",
    "load_dataset",
    "plan_devices",
    "run_daemon",
    "run_lab",
    "running_status_url",
]
