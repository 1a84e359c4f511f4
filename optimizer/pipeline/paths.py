"""The files and folders a run writes, checked before the run starts: one sentence naming the path, exit 3.

A ``[paths] data_dir`` that is a file, or a log file that cannot be opened, would otherwise surface as a
traceback from deep inside (sqlite, the call counter, logging). These checks run first and raise
:class:`~optimizer.errors.ConfigError` naming the path and the setting that chose it.
"""

from __future__ import annotations

import os
from pathlib import Path

from optimizer.config import Config
from optimizer.errors import ConfigError


def ensure_dir(path: Path, what: str, setting: str, *, target: str = "a folder") -> Path:
    """Create the folder ``path`` if missing; refuse one that is a file or cannot be written.

    ``what`` names the folder in the error (``the data folder``), ``setting`` what chooses it, ``target`` what
    the setting should name instead."""
    if path.exists() and not path.is_dir():
        raise ConfigError(
            f"{path}: {what} is a file, not a folder.",
            hint=f"Set {setting} to {target} (folders are created if missing), or move the file away.",
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot create {what} ({_why(exc)}).",
            hint=f"Set {setting} to {target} this user can write.",
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{path}: {what} is not writable by this user.", hint=f"Set {setting} to {target} this user can write."
        )
    return path


def ensure_writable_file(path: Path, what: str, setting: str) -> Path:
    """Make sure ``path`` can be opened for appending (its folder created if missing)."""
    if path.is_dir():
        raise ConfigError(f"{path}: {what} is a folder, not a file.", hint=f"Set {setting} to a file path.")
    ensure_dir(path.parent, f"the folder of {what}", setting, target="a file in a folder")
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot write {what} ({_why(exc)}).", hint=f"Set {setting} to a file this user can write."
        ) from None
    return path


def ensure_data_dir(config: Config) -> Path:
    """The data folder (history, call counter, journal, lock), created if missing; a clear error if it cannot be."""
    return ensure_dir(config.data_dir, "the data folder", "[paths] data_dir")


def _why(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else type(exc).__name__
