"""Reading `X_file` secrets and locating other referenced files (TLS, known_hosts).

An absolute name is used as is. A relative one is looked up in `$CREDENTIALS_DIRECTORY`
first (systemd `LoadCredential=` puts root-only copies there), then next to the config
file, so the same config works under systemd and from a checkout. Errors name the paths
tried and never the file's content.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from provisiond.model.secret import Secret


class FileLookupError(ValueError):
    """A referenced file is missing, unreadable or (for a secret) empty."""


@dataclass(frozen=True, slots=True)
class FileLookup:
    """Where relative file names are looked for, in order."""

    config_dir: Path
    credentials_dir: Path | None = None

    def candidates(self, name: str) -> tuple[Path, ...]:
        path = Path(name)
        if path.is_absolute():
            return (path,)
        if self.credentials_dir is None:
            return (self.config_dir / path,)
        return (self.credentials_dir / path, self.config_dir / path)

    def locate(self, name: str) -> Path:
        """The first candidate that exists (not opened: the consumer reads it later)."""
        tried = self.candidates(name)
        for path in tried:
            if os.path.exists(path):
                return path
        raise FileLookupError(f"file not found (tried {_listing(tried)})")

    def read_secret(self, name: str) -> Secret:
        """The file's content with trailing whitespace and newlines stripped."""
        tried = self.candidates(name)
        for path in tried:
            try:
                text = path.read_text(encoding="utf-8")
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:
                raise FileLookupError(f"cannot read {path}: {exc.strerror or exc}") from exc
            except UnicodeDecodeError as exc:
                raise FileLookupError(f"{path} is not UTF-8 text") from exc
            value = text.rstrip()
            if not value:
                raise FileLookupError(f"{path} is empty")
            return Secret(value)
        raise FileLookupError(f"secret file not found (tried {_listing(tried)})")


def _listing(paths: tuple[Path, ...]) -> str:
    return ", ".join(str(path) for path in paths)
