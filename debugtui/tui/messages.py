"""Messages more than one screen posts; the app answers them."""

from __future__ import annotations

from textual.message import Message


class StoreFailed(Message):
    """A store call in a worker failed; the app shows why. The caller kept the user's input."""

    def __init__(self, what: str, error: BaseException | str) -> None:
        super().__init__()
        self.what = what
        """What was being done, as a verb phrase: "save the note"."""
        self.error = str(error)
        """The reason, already a sentence (StoreError messages name the file)."""
