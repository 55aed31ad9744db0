"""Writing exports to disk privately: post-mortems quote logs and queries, so mode 0600."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path | str, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8, the file mode 0600 whether it existed or not."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(text)


def write_here_or_in(name: str, text: str, fallback: Path) -> tuple[Path, str | None]:
    """Write ``name`` (privately) in the current directory, or, where that cannot be
    written, in ``fallback``; the path written and, for the fallback, why.

    The current directory can be gone mid-incident (a release directory a deploy swapped
    out: ``Path.cwd()`` itself fails), read-only, or another user's. An OSError from the
    fallback is raised: then nothing was written anywhere.
    """
    try:
        path = Path.cwd() / name
        write_private(path, text)
    except OSError as exc:
        reason = exc.strerror or str(exc)
    else:
        return path, None
    path = fallback / name
    write_private(path, text)
    return path, f"the current directory could not be written ({reason})"
