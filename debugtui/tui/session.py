"""What every screen of the TUI shares: the store (through its queue), the config, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from debugtui.config import Config
from debugtui.notebook.store import NotebookStore
from debugtui.sources.registry import make_source
from debugtui.tui.store_queue import StoreQueue

if TYPE_CHECKING:  # the sources load with the first panel, not before the first frame
    from debugtui.sources.base import Source


@dataclass(frozen=True)
class Session:
    """One running TUI's handles; screens receive it instead of reaching into the app."""

    queue: StoreQueue
    """The one lane every store call takes (see :mod:`debugtui.tui.store_queue`)."""
    config: Config
    """The loaded configuration (the evidence panels read their sections)."""
    clock: Callable[[], datetime]
    """Now, as an aware UTC datetime; tests pass a frozen one so screens are reproducible."""
    sources: Callable[[str, Config], Source] = make_source
    """Builds the source behind an evidence panel (called in the panel's worker thread)."""

    @property
    def store(self) -> NotebookStore:
        """The notebook; call it only through ``queue`` (from its worker thread)."""
        return self.queue.store
