"""A paste stays one paste, whatever escape characters it holds.

Textual's input parser (8.x) stops collecting a bracketed paste at the first ESC inside it:
what follows is parsed as escape sequences and keys, and handed out *before* the paste of
the text up to that ESC. Pasting coloured log output (``\\x1b[31mERROR\\x1b[0m …``) through
tmux, which passes ESC through as it is, typed the rest of the paste as keystrokes: in the
composer a line break after it saved the note half-pasted, and the letters after that ran
as commands (``r`` marks the incident resolved). Terminals that strip ESC from a paste were
safe already.

:class:`PasteGuard` sits between the terminal and the parser and writes every ESC inside a
paste as ``␛`` (U+241B), so the parser sees one paste holding all of the text, and the text
shows where the escapes were. Keys typed outside a paste reach the parser unchanged and
undelayed (a lone ESC is the escape key). :func:`install` puts it in front of the parser
Textual's Linux driver makes; it depends on that driver's module name for the parser class.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._xterm_parser import XTermParser
from textual.message import Message

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
ESC_SHOWN = "\u241b"
"""What an ESC inside a paste becomes: the symbol for escape, one character, never a key."""


class PasteGuard:
    """Filters the terminal's input, chunk by chunk as it is read (a paste, or its end
    marker, can be split across reads)."""

    def __init__(self) -> None:
        self.in_paste = False
        self._held = ""
        """The end of a chunk inside a paste that may begin the end marker."""
        self._start_seen = ""
        """The end of a chunk outside a paste that began the start marker (passed on)."""

    def filter(self, data: str) -> str:
        """``data`` as the parser should read it; ``""`` (end of input) flushes."""
        if not data:
            held, self._held = self._held, ""
            return held.replace("\x1b", ESC_SHOWN)
        out: list[str] = []
        text = data
        if self._start_seen:
            # The start marker began in the last chunk, which went to the parser as it was.
            rest = PASTE_START[len(self._start_seen) :]
            self._start_seen = ""
            if text.startswith(rest):
                out.append(rest)
                text = text[len(rest) :]
                self.in_paste = True
            elif rest.startswith(text):  # still not whole: wait for the next chunk
                self._start_seen = PASTE_START[: len(PASTE_START) - len(rest) + len(text)]
                return text
        text = self._held + text
        self._held = ""
        while text:
            if self.in_paste:
                end = text.find(PASTE_END)
                if end < 0:
                    body, self._held = _split_partial(text, PASTE_END)
                    out.append(body.replace("\x1b", ESC_SHOWN))
                    break
                out.append(text[:end].replace("\x1b", ESC_SHOWN))
                out.append(PASTE_END)
                text = text[end + len(PASTE_END) :]
                self.in_paste = False
            else:
                start = text.find(PASTE_START)
                if start < 0:
                    out.append(text)
                    self._start_seen = _partial_suffix(text, PASTE_START)
                    break
                out.append(text[: start + len(PASTE_START)])
                text = text[start + len(PASTE_START) :]
                self.in_paste = True
        return "".join(out)


def _partial_suffix(text: str, marker: str) -> str:
    """The longest end of ``text`` that is a proper beginning of ``marker``."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if text.endswith(marker[:size]):
            return text[-size:]
    return ""


def _split_partial(text: str, marker: str) -> tuple[str, str]:
    """``text`` split before an end that may begin ``marker`` (to be held for more)."""
    partial = _partial_suffix(text, marker)
    return (text[: len(text) - len(partial)], partial) if partial else (text, "")


class GuardedParser(XTermParser):
    """Textual's parser, reading what :class:`PasteGuard` lets through."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._guard = PasteGuard()

    def feed(self, data: str) -> Iterable[Message]:
        if data:
            return super().feed(self._guard.filter(data))
        return self._flush()

    def _flush(self) -> Iterable[Message]:
        held = self._guard.filter("")
        if held:
            yield from super().feed(held)
        yield from super().feed("")


def install() -> None:
    """Make Textual's Linux driver read through the guard (once; later calls do nothing)."""
    from textual.drivers import linux_driver

    linux_driver.XTermParser = GuardedParser  # type: ignore[misc]
