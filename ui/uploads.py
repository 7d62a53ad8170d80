"""Uploaded files are hostile until proven otherwise: names are sanitised and confined to the uploads folder."""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from index.loaders import SUPPORTED_EXTENSIONS

UPLOADS_DIR = "uploads"
_UNSAFE = re.compile(r"[^\w.\- ]+")
MAX_NAME = 120


class UploadRejected(Exception):
    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def safe_name(original: str) -> str:
    """A plain file name from whatever the browser sent: no folders, no control or shell characters."""
    name = unicodedata.normalize("NFKC", original).replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem[: MAX_NAME - len(suffix) - 1].strip(" .") or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def uploads_folder(store: str | Path, collection: str = "default") -> Path:
    """Where uploaded files are kept: inside the store, so they are indexed, listed and removed with it; another
    collection's in a folder of its own, so that removing from one never deletes a file another still lists."""
    folder = Path(store).expanduser() / UPLOADS_DIR
    return folder if collection == "default" else folder / "collections" / collection


def accept_all(files: Iterable[tuple[Path, str]], uploads: Path, max_bytes: int) -> tuple[list[Path], list]:
    """`accept` each (file, name it was uploaded under) on its own: a rejected file never stops the others.
    Returns the accepted paths and the `UploadRejected` of the rest."""
    accepted, rejected = [], []
    for source, original_name in files:
        try:
            accepted.append(accept(source, original_name, uploads, max_bytes))
        except UploadRejected as exc:
            rejected.append(exc)
    return accepted, rejected


def accept(source: Path, original_name: str, uploads: Path, max_bytes: int) -> Path:
    """Copy an uploaded file into `uploads` under a safe name; raise `UploadRejected` with the reason."""
    name = safe_name(original_name)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise UploadRejected(
            original_name,
            f"file type {suffix or '(none)'} is not supported; allowed: " + ", ".join(SUPPORTED_EXTENSIONS),
        )
    size = source.stat().st_size
    if size > max_bytes:
        raise UploadRejected(original_name, f"file is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB")
    uploads.mkdir(parents=True, exist_ok=True)
    target = (uploads / name).resolve()
    if target.parent != uploads.resolve():
        raise UploadRejected(original_name, "file name points outside the uploads folder")
    if target.exists() and _digest(target) != _digest(source):
        # A different file of the same name: keep both, the new one with a content suffix.
        target = target.with_name(f"{target.stem}-{_digest(source)[:8]}{target.suffix}")
    shutil.copyfile(source, target)
    return target


def discard_upload(path: Path, uploads: Path) -> None:
    """Delete a file only if it is one of ours: inside the uploads folder (never a user's own file)."""
    try:
        if path.resolve().parent == uploads.resolve():
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
