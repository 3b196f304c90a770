"""What a bad configuration file reports: every problem, each with its place.

`check-config` prints one `ConfigIssue` a line (DESIGN.md §3), so the string form is the
contract: `FILE:LINE: dotted.key: message`. Messages never carry a secret's value: a
wrongly typed secret is described by its type only, and file errors name paths, not content.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the file.

    `file` is the path as the caller gave it; `key` is the dotted path of the offending
    key (array elements by index: `device.0.nas.secret`), empty for a problem of the file
    as a whole (unreadable, not TOML), which renders as `FILE:LINE: message`. `line` is
    1-based; the loader always sets it, and `None` renders as 1.
    """

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        return self.render(self.file)

    def render(self, file: str) -> str:
        """The issue with `file` in front, e.g. the `-c` argument exactly as typed."""
        line = 1 if self.line is None else self.line
        if not self.key:
            return f"{file}:{line}: {self.message}"
        return f"{file}:{line}: {self.key}: {self.message}"


class ConfigError(Exception):
    """The file was refused; `issues` holds all problems found, in file order."""

    def __init__(self, issues: tuple[ConfigIssue, ...]) -> None:
        super().__init__("\n".join(str(issue) for issue in issues))
        self.issues = issues
