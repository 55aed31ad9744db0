"""The search pattern of a log search: validation, and which engine may run it.

Patterns are Python ``re`` syntax, because the pure-Python engine must give the same answers
as ripgrep and Python is the engine that can run every pattern (look-around,
backreferences). ripgrep (Rust ``regex``) runs a pattern only when it reads it the same
way; :func:`compile_pattern` flags the constructs where the two dialects differ (look-around
and backreferences rg rejects, possessive quantifiers ``a*+`` it reads as ``(a*)+``,
``\\<`` that rg reads as a word boundary but Python as ``<``, POSIX classes and set
operators inside ``[...]``, verbose mode, ``\\B`` on an empty line) so the search uses
Python for them. Anything else rg rejects at run time (``a{,3}``, ``\\Z``,
its size limit) also falls back to Python: rg's own parser has the last word.

:func:`required_literal` finds text every match must contain; a pattern without one makes
rg run its full regex engine over every byte, which is where splitting a big file across
cores pays (see ``logsearch_rg``).
"""

from __future__ import annotations

import re
import warnings

from debugtui.sources.records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any

MIN_LITERAL = 3
"""A required literal this long lets rg skip most of a file with a fast substring scan."""

PATTERN_HINT = (
    "patterns use Python re syntax: put a backslash before . * + ? ( ) [ ] { } | ^ $ \\ "
    "to match them literally"
)


class PatternError(ValueError):
    """A pattern that is not a valid regular expression; ``message`` and ``hint`` read like a
    ``SourceError``'s (the logs source turns it into one; this module stays import-light)."""

    def __init__(self, pattern: str, reason: str) -> None:
        self.message = f"invalid regex {pattern!r}: {reason}"
        super().__init__(self.message)
        self.hint = PATTERN_HINT
        self.pattern = pattern
        self.reason = reason


class SearchPattern(NamedTuple):
    """A validated pattern, compiled for the Python engine, with what rg needs to know."""

    text: str
    ignore_case: bool
    regex: re.Pattern[str]
    python_only: str | None
    """Why rg must not run this pattern (it reads it differently or not at all); None if it may."""
    literal: str
    """The longest text every match contains ("" when there is none)."""

    @property
    def literal_led(self) -> bool:
        """True when rg's substring prefilter makes one process faster than splitting."""
        return len(self.literal) >= MIN_LITERAL


def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    flags = re.IGNORECASE if ignore_case else 0
    with warnings.catch_warnings():
        # "Possible nested set" and friends: _python_only already routes those to Python.
        warnings.simplefilter("ignore", FutureWarning)
        try:
            return re.compile(pattern, flags)
        except re.error as exc:
            reason = exc.msg if exc.pos is None else f"{exc.msg} at position {exc.pos}"
            raise PatternError(pattern, reason) from None
        except (OverflowError, RecursionError, ValueError) as exc:
            raise PatternError(pattern, str(exc) or type(exc).__name__) from None


def validate_pattern(pattern: str, ignore_case: bool = False) -> str | None:
    """None for a usable pattern, else one line saying what is wrong (for live validation)."""
    try:
        _compile(pattern, ignore_case)
    except PatternError as exc:
        return exc.message
    return None


def compile_pattern(pattern: str, ignore_case: bool = False) -> SearchPattern:
    """Validate and compile ``pattern``; raises :class:`PatternError` with a hint."""
    regex = _compile(pattern, ignore_case)
    return SearchPattern(
        text=pattern,
        ignore_case=ignore_case,
        regex=regex,
        python_only=python_only_reason(pattern),
        literal=required_literal(pattern, regex.flags),
    )


_GROUP_REASONS = {
    "=": "look-ahead",
    "!": "look-ahead",
    "<=": "look-behind",
    "<!": "look-behind",
    ">": "an atomic group",
    "(": "a conditional group",
    "P=": "a named backreference",
    "#": "a comment group",
}


def python_only_reason(pattern: str) -> str | None:
    """Why ripgrep would read ``pattern`` differently from Python (None: same meaning).

    A scan of the pattern text, conservative on purpose: a false alarm only costs speed
    (the Python engine runs it), a miss would cost correctness.
    """
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\":
            following = pattern[i + 1 : i + 3]
            if following[:1] in ("<", ">"):
                return "\\< and \\> are word boundaries to ripgrep, literal < > to Python"
            if following[:1].isdigit() and following[:1] != "0":
                return "a backreference"
            if following[:1] == "B":
                return "\\B matches an empty line in ripgrep only"
            if following == "b{":
                return "\\b{...} is a special boundary to ripgrep only"
            i += 2
            continue
        if char == "[":
            reason, i = _scan_class(pattern, i)
            if reason:
                return reason
            continue
        if char in "*+?}" and pattern.startswith("+", i + 1):
            # Python 3.11 reads a*+ as possessive (no backtracking), rg as (a*)+
            return "a possessive quantifier"
        if char == "(" and pattern.startswith("?", i + 1):
            ext = pattern[i + 2 : i + 4]
            for prefix, reason in _GROUP_REASONS.items():
                if ext.startswith(prefix):
                    return reason
            flags = re.match(r"[a-zA-Z-]*", pattern[i + 2 :])
            if flags and "x" in flags.group():
                return "verbose mode (?x) treats spaces differently in ripgrep"
        i += 1
    return None


def _scan_class(pattern: str, start: int) -> tuple[str | None, int]:
    """Scan ``[...]`` at ``start``: (a reason rg reads it differently, index after it)."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1  # a leading ] is literal in both dialects
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "]":
            return None, i + 1
        if char == "[":
            return "[ inside a character class (a nested class or [:alpha:] to ripgrep)", i
        if pattern[i : i + 2] in ("&&", "--", "~~", "||"):
            return "a set operator inside a character class (ripgrep only)", i
        i += 1
    return None, i


def required_literal(pattern: str, flags: int = 0) -> str:
    """The longest literal text every match of ``pattern`` contains ("" if none is found).

    Uses the standard library's regex parser (``re._parser``, ``sre_parse`` before 3.11);
    if that private API ever changes this returns "" and searches only lose speed.
    """
    try:
        try:
            from re import _parser as sre_parse  # type: ignore[attr-defined]
        except ImportError:  # pragma: no cover - Python 3.10
            import sre_parse  # type: ignore[no-redef]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = sre_parse.parse(pattern, flags)
        runs = _literal_runs(list(tree), sre_parse)
    except Exception:  # the parser is private: never let its changes break a search
        return ""
    return max(runs, key=len, default="")


def _literal_runs(items: list[tuple[Any, Any]], sre: Any) -> list[str]:
    """Literal strings each match of the sequence ``items`` must contain."""
    runs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            runs.append("".join(current))
            current.clear()

    def walk(seq: list[tuple[Any, Any]]) -> None:
        for op, av in seq:
            if op is sre.LITERAL:
                current.append(chr(av))
            elif op is sre.SUBPATTERN:
                walk(list(av[-1]))
            elif op is sre.AT:
                continue
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
                low, high, body = av
                if low == high == 1:
                    walk(list(body))
                    continue
                flush()
                if low >= 1:
                    runs.extend(_literal_runs(list(body), sre))
            elif op is sre.BRANCH:
                flush()
                best = [max(_literal_runs(list(b), sre), key=len, default="") for b in av[1]]
                if best and all(len(b) >= MIN_LITERAL for b in best):
                    runs.append(min(best, key=len))
            else:
                flush()

    walk(items)
    flush()
    return runs
