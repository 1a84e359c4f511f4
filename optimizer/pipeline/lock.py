"""The run lock: one process at a time writes to the inverters of a data directory.

``optimizer run --push`` and ``optimizer push`` take it for their whole run, from reading the inverters
before planning to the last read-back, so that two of them never interleave (one reads, the other writes,
the first verifies against the other's schedule). The second one waits up to ``wait_s`` seconds, then fails
with :class:`~optimizer.errors.LockError` naming the lock file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from optimizer.errors import LockError
from optimizer.pipeline.paths import ensure_dir


@contextmanager
def run_lock(path: Path, wait_s: float, *, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the run lock; wait up to ``wait_s`` seconds for another run, then give up cleanly.

    ``waiting`` is told (one line) when the lock is busy and this process starts to wait.
    """
    ensure_dir(path.parent, "the folder of the run lock", "[paths] lock_file or data_dir")
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if waiting is not None and wait_s > 0:
            waiting(f"Another optimizer run holds the lock {path}; waiting up to {wait_s:.0f} s for it.")
        try:
            lock.acquire(timeout=wait_s)
        except Timeout:
            raise LockError(
                f"another optimizer run holds the lock {path} (waited {wait_s:.0f} s).",
                hint="Let it finish, or wait longer for it.",
                option="wait_s",
            ) from None
    except OSError as exc:
        raise LockError(
            f"{path}: cannot create the run lock ({exc.strerror or exc}).",
            hint="Set [paths] lock_file (or data_dir) to a writable place.",
        ) from None
    try:
        yield
    finally:
        lock.release()
