"""Which files an ingestion covers: the paths given, and every file below the folders given."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Discovery:
    files: list[str]
    """Absolute paths of the files to ingest, sorted, each once."""
    missing: list[str]
    """Paths that were given but do not exist."""
    folders: list[str]
    """Absolute paths of the folders given (the scope of `--sync`)."""


def discover(paths: list[str | Path]) -> Discovery:
    files: set[str] = set()
    missing: list[str] = []
    folders: list[str] = []
    for given in paths:
        path = Path(given).expanduser()
        absolute = os.path.abspath(path)
        if path.is_dir():
            folders.append(absolute)
            files.update(_walk(absolute))
        elif path.exists() or path.is_symlink():
            files.add(absolute)
        else:
            missing.append(str(given))
    return Discovery(sorted(files), missing, folders)


def _walk(folder: str) -> list[str]:
    found = []
    # Hidden files and folders (.git, .DS_Store) are not documents; symlinked folders are not followed.
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, name) for name in names if not name.startswith("."))
    return found


def is_under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
