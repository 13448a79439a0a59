"""Read-only media for tests: a store folder of mode 0555 holding only the file (0444),
and the command prefix under which those modes hold when the tests run as root."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def unprivileged() -> tuple[str, ...]:
    """The command prefix under which a folder's mode holds (none needed but as root)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot hold")
    return (setpriv, "--bounding-set=-all", "--inh-caps=-all")


@contextmanager
def read_only_media(db: Path) -> Iterator[Path]:
    """`db`'s folder made read-only media (no -wal/-shm left), given back writable."""
    media = db.parent
    for extra in media.iterdir():
        if extra != db:
            extra.unlink()
    db.chmod(0o444)
    media.chmod(0o555)
    try:
        yield db
    finally:
        media.chmod(0o755)
        db.chmod(0o644)
