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
