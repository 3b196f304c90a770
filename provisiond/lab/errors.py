"""The lab's exception root and every trap text it sends.

Texts marked *documented* come from the MikroTik API manual or the project's protocol notes
(reference/protocols.md §1); the ones marked *assumed* were not found in any vendor source
and follow RouterOS' console wording. docs/lab.md lists both.
"""

from __future__ import annotations

# documented
NO_SUCH_COMMAND_PREFIX = "no such command prefix"
NO_SUCH_ITEM = "no such item"
DUPLICATE_ENTRY = "failure: already have such entry"
DUPLICATE_NAME = "failure: already have such name"
INTERRUPTED = "interrupted"
BAD_LOGIN = "invalid user name or password (6)"
NOT_LOGGED_IN = "not logged in"
QUIT = "session terminated on request"
TIMEOUT_RANGE = "value of timeout is out of range (00:00:00 .. 35w3d13:13:56)"
# assumed
NO_SUCH_COMMAND = "no such command"
UNKNOWN_PARAMETER = "unknown parameter {name}"
MISSING_VALUE = "missing value(s) of argument(s) {names}"
INVALID_VALUE = "invalid value for argument {name}"
INVALID_QUERY = "invalid query"
DYNAMIC_REMOVE = "failure: can not remove dynamic entry"
DYNAMIC_CHANGE = "failure: can not change dynamic entry"

# `!trap` categories (API manual): 0 missing item or command, 1 argument value failure,
# 2 execution interrupted.
CATEGORY_MISSING = 0
CATEGORY_ARGUMENT = 1
CATEGORY_INTERRUPTED = 2


class LabError(Exception):
    """Root of every error the lab raises."""


class WireError(LabError):
    """Bytes that are not a RouterOS API sentence stream; the connection cannot go on."""


class CommandError(LabError):
    """A command failed: sent as `!trap =message=… [=category=…]`, then `!done`."""

    def __init__(self, message: str, category: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.category = category

    def words(self) -> list[str]:
        words = ["!trap"]
        if self.category is not None:
            words.append(f"=category={self.category}")
        words.append(f"=message={self.message}")
        return words
