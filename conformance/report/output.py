"""Writing the report's files: every file atomically, only after all were computed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..results import _umask, write_atomic


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Like :func:`conformance.results.write_atomic`, for bytes (PNG files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files(directory: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``{relative path: text or bytes}`` under ``directory``; the paths written.

    Plots first and the two documents last, so a reader never sees a report that links
    to a plot not yet there.
    """
    order = sorted(files, key=lambda name: (name in ("report.md", "report.html"), name))
    written = []
    for name in order:
        path = Path(directory) / name
        content = files[name]
        if isinstance(content, bytes):
            write_bytes_atomic(path, content)
        else:
            write_atomic(path, content)
        written.append(path)
    return written
