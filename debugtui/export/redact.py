"""Secret redaction for everything that leaves the notebook (post-mortems, JSON exports).

Notes quote logs, connection strings, curl commands and config dumps; a post-mortem gets
pasted into wikis and tickets. :func:`redact` replaces the secret part of each pattern
below with ``[REDACTED]`` and keeps the rest, so the text still reads:

* passwords in URLs: ``postgresql://app:[REDACTED]@db:5432/shop``
* ``key=value`` and ``key: value`` pairs whose key names a secret: libpq DSNs
  (``password=...``), env files (``DB_PASSWORD=``, ``GITHUB_TOKEN=``, ``*_SECRET=``,
  ``AWS_SECRET_ACCESS_KEY=``, any upper-case ``*_KEY=``), ``aws_secret_access_key = ...``,
  JSON/YAML (``"password": "..."``), query strings (``?token=...``)
* ``Authorization:``, ``Proxy-Authorization:`` and ``Cookie:`` header values, ``Bearer`` tokens
* JWTs, AWS access key ids (``AKIA...``/``ASIA...``), PEM private key blocks

Placeholders are not secrets and stay: ``$DB_PASSWORD``, ``${TOKEN}``, ``<password>``,
``***``, ``{{ secret }}``, ``%s``, ``?`` and ``[REDACTED]`` itself (so redacting twice
changes nothing).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import Any, AnyStr

REDACTED = "[REDACTED]"

_PLACEHOLDER = re.compile(
    r"""^(?:
        \$\w+ | \$\{[^}]*\} | <[^<>]*> | \*+ | \[REDACTED\] | \{\{[^}]*\}\} | \{\w*\}
        | %s | %\(\w+\)s | \? | :\w+ | x+ | X+
    )$""",
    re.VERBOSE,
)

# A key that names a secret: *password/*passwd/*secret/*token in any case (DB_PASSWORD,
# client_secret, access_token), upper-case *_KEY env vars, and the lower-case key names that
# are always secrets. Lower-case ``*_key`` in general is not (sort_key, cache_key).
_SECRET_KEY = (
    r"(?:[A-Za-z0-9_.-]*(?i:password|passwd|secret|token)"
    r"|pwd|Pwd|PWD(?=\s*=\s*['\"]?[^/\s])"
    r"|[A-Z0-9_]*_KEY"
    r"|(?i:[A-Za-z0-9_.-]*(?:api|access|secret|private|signing|encryption|master)[_-]?key))"
)
_SECRET_KEY_ONLY = re.compile(rf"^{_SECRET_KEY}$")

# A block cut off before its END line is redacted to the end of the text; an already
# redacted block is skipped so that a second pass cannot swallow what follows it.
_PEM = re.compile(
    r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(?!\[REDACTED\])"
    r"(.*?)(-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
    re.DOTALL,
)
_HEADER = re.compile(
    r"(?im)(?<![\w-])((?:proxy-)?authorization|cookie|set-cookie)([ \t]*:[ \t]*)([^\r\n\"']+)"
)
_BEARER = re.compile(r"(?<![\w-])(Bearer|bearer|BEARER)([ \t]+)([A-Za-z0-9._~+/=-]{8,})")
_JWT = re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_AWS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
# The password runs to the last "@" of the authority, so an unescaped "@" in it cannot leak.
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s:/@?#]*:)([^\s/?#]+)(@)")
_ASSIGNMENT = re.compile(
    rf"(?<![\w.-])(?<!\$\{{)({_SECRET_KEY}[\"']?)([ \t]*(?:=>|:=|=|:)[ \t]*)"
    r"(\"[^\"\n]*\"|'[^'\n]*'|\{\{[^}\n]*\}\}|\$\{[^}\n]*\}|[^\s\"'&;,]+)"
)


def is_placeholder(value: str) -> bool:
    """True for text standing in for a secret: ``$VAR``, ``<password>``, ``***``, ..."""
    return not value or bool(_PLACEHOLDER.match(value))


@lru_cache(maxsize=1024)  # asked for each cell of a table, of its few column names
def is_secret_key(name: str) -> bool:
    """True when a field called ``name`` holds a secret (``password``, ``DB_TOKEN``...)."""
    return bool(_SECRET_KEY_ONLY.match(name))


def _keep_placeholder(value: str) -> str:
    return value if is_placeholder(value) else REDACTED


def _sub_value(group: int) -> Callable[[re.Match[str]], str]:
    """A replacement that redacts ``group`` (quoted or not) and keeps the other groups."""

    def replace(match: re.Match[str]) -> str:
        parts = list(match.groups())
        value = parts[group - 1]
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            parts[group - 1] = value[0] + _keep_placeholder(value[1:-1]) + value[0]
        else:
            parts[group - 1] = _keep_placeholder(value)
        return "".join(parts)

    return replace


def _sub_header(match: re.Match[str]) -> str:
    name, sep, value = match.groups()
    stripped = value.rstrip()
    return name + sep + _keep_placeholder(stripped) + value[len(stripped) :]


def _sub_bearer(match: re.Match[str]) -> str:
    word, space, token = match.groups()
    # "Bearer authentication" is prose; real tokens carry digits or punctuation.
    if not any(c.isdigit() or c in "._~+/=-" for c in token):
        return match.group(0)
    return word + space + REDACTED


_LINE_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (_HEADER, _sub_header),
    (_BEARER, _sub_bearer),
    (_JWT, REDACTED),
    (_AWS_KEY_ID, REDACTED),
    (_URL_PASSWORD, _sub_value(2)),
    (_ASSIGNMENT, _sub_value(3)),
)
"""Every pattern after the PEM block's, in the order applied. None of them can match across
a newline (no ``.`` and no character class in them admits one; the lookarounds decide on
the line too), so applying them to each line alone gives the same text as applying them to
the whole."""

# Every match of a line pattern contains one of these, in the lower-cased text: the key
# names of _SECRET_KEY, the header names, "bearer", the JWT and AWS key id prefixes and a
# URL's "://". Searching for them first is what makes redaction cheap: the patterns
# themselves try every position of a text (the assignment's key backtracks at each), the
# triggers are a plain substring search (one str.find each: faster than one regex of them
# all, on a cell and on a whole document), and most lines of a post-mortem have none.
_TRIGGERS = ("passw", "secret", "token", "pwd", "key", "authori", "cookie", "bearer", "eyj")
_TRIGGERS += ("akia", "asia", "://")
# Case-insensitive matching also takes these for "i" and "s" (str.lower() does not map them
# there, and "\u0130" lowers to two characters); the trigger search sees them as i and s.
_FOLDS_UNLIKE_LOWER = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def _redact_line(line: str) -> str:
    for pattern, replacement in _LINE_PATTERNS:
        line = pattern.sub(replacement, line)
    return line


def _probe(text: str) -> str:
    """``text`` lower-cased for the trigger search, one character for one, so positions in
    it are positions in ``text``."""
    if "\u0130" in text or "\u0131" in text or "\u017f" in text:
        text = text.translate(_FOLDS_UNLIKE_LOWER)
    return text.lower()


def redact(text: str) -> str:
    """``text`` with every secret listed in the module docstring replaced by ``[REDACTED]``."""
    if "-----BEGIN" in text:
        text = _PEM.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    if len(text) > _LONG and not text.isascii() and not _has_fold(text):
        return _redact_encoded(text)
    probe = _probe(text)
    found = [trigger for trigger in _TRIGGERS if trigger in probe]
    if not found:
        return text
    if "\n" not in text:
        return _redact_line(text)
    return _redact_trigger_lines(text, probe, found, "\n", _redact_line)


# A finished post-mortem (2 MB for 10,000 entries) holds characters past Latin-1 (★, ▶, —):
# str.lower() then looks each character up in the Unicode database, 15 times the time of
# encoding it to UTF-8 and lower-casing the bytes as ASCII, which is all the trigger search
# needs once no character outside ASCII can stand for a trigger's letter (_has_fold). On a
# short text the bytes' own costs (bytes.__contains__ is slower per call) outweigh that.
_LONG = 4096
_TRIGGER_BYTES = tuple(trigger.encode() for trigger in _TRIGGERS)


def _has_fold(text: str) -> bool:
    """Whether ``text`` holds a character that case-insensitive matching takes for an ASCII
    letter (and str.lower() makes one): "\u0130", "\u0131", "\u017f" or the Kelvin sign."""
    return "\u0130" in text or "\u0131" in text or "\u017f" in text or "\u212a" in text


def _redact_encoded(text: str) -> str:
    """:func:`redact` of a text without folding characters, searched as UTF-8 bytes (a lone
    surrogate, which JSON can carry, encodes and decodes back unchanged)."""
    data = text.encode("utf-8", "surrogatepass")
    probe = data.lower()  # ASCII letters only: positions match the data's
    found = [trigger for trigger in _TRIGGER_BYTES if trigger in probe]
    if not found:
        return text
    redacted = _redact_trigger_lines(data, probe, found, b"\n", _redact_encoded_line)
    return redacted.decode("utf-8", "surrogatepass")


def _redact_encoded_line(line: bytes) -> bytes:
    return _redact_line(line.decode("utf-8", "surrogatepass")).encode("utf-8", "surrogatepass")


def _redact_trigger_lines(
    text: AnyStr,
    probe: AnyStr,
    found: Sequence[AnyStr],
    newline: AnyStr,
    redact_line: Callable[[AnyStr], AnyStr],
) -> AnyStr:
    """``text`` with the lines holding a trigger (``found`` in ``probe``, its lower-cased
    copy of the same length) through the patterns; the rest are kept as they are."""
    lines: dict[int, int] = {}  # start -> end of each line to redact
    for trigger in found:
        at = probe.find(trigger)
        while at >= 0:
            start = text.rfind(newline, 0, at) + 1
            end = text.find(newline, at)
            lines[start] = end = len(text) if end < 0 else end
            at = probe.find(trigger, end)
    parts: list[AnyStr] = []
    done = 0
    for start in sorted(lines):
        end = lines[start]
        parts += (text[done:start], redact_line(text[start:end]))
        done = end
    parts.append(text[done:])
    return text[:0].join(parts)


def redact_each(texts: Sequence[str]) -> list[str]:
    """``[redact(text) for text in texts]``, with one trigger search over them all.

    A post-mortem cleans each of 10,000 entry texts: searching each for a dozen trigger
    words costs more than the search over them joined, which finds the few that need the
    patterns (no trigger and no PEM header holds a newline, so none spans two texts).
    """
    joined = "\n".join(texts)
    probe = _probe(joined)
    starts = list(accumulate((len(text) + 1 for text in texts), initial=0))
    marked: set[int] = set()
    for needle, haystack in [(t, probe) for t in _TRIGGERS] + [("-----BEGIN", joined)]:
        at = haystack.find(needle)
        while at >= 0:
            index = bisect_right(starts, at) - 1
            marked.add(index)
            at = haystack.find(needle, starts[index + 1])
    return [redact(text) if n in marked else text for n, text in enumerate(texts)]


def redact_known(texts: Iterable[str], known: dict[str, str]) -> None:
    """Add each of ``texts`` missing from ``known`` to it, mapped to its redaction."""
    todo = [text for text in dict.fromkeys(texts) if text not in known]
    if todo:
        known.update(zip(todo, redact_each(todo), strict=True))


def redact_data(value: Any, key: str = "") -> Any:
    """Redact a JSON-like value: every string, and the whole value of a secret-named key."""
    if isinstance(value, str):
        if key and is_secret_key(key) and not is_placeholder(value):
            return REDACTED
        return redact(value)
    if isinstance(value, Mapping):
        return {k: redact_data(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    return value


def redact_row(columns: Sequence[str], row: Sequence[str]) -> list[str]:
    """A table row with each cell redacted; cells under a secret-named column go entirely."""
    return [redact_data(cell, columns[i] if i < len(columns) else "") for i, cell in enumerate(row)]


def redact_rows(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], known: dict[str, str] | None = None
) -> list[list[Any]]:
    """``[redact_row(columns, row) for row in rows]``, each distinct text cell searched for
    secrets once and all of them in one pass (evidence tables repeat hosts, states, counts).

    ``known`` maps texts to their redaction already made (see :func:`redact_known`), shared
    by the tables of one document; this table's new texts are added to it.
    """
    redacted = {} if known is None else known
    redact_known((cell for row in rows for cell in row if isinstance(cell, str)), redacted)
    secret = [bool(column) and is_secret_key(column) for column in columns]
    if not any(secret):  # most tables: each cell is its text's redaction
        return [
            [redacted[value] if isinstance(value, str) else redact_data(value) for value in row]
            for row in rows
        ]
    width = len(columns)

    def cell(i: int, value: Any) -> Any:
        if not isinstance(value, str):
            return redact_data(value)  # the column's name only decides for a text
        if i < width and secret[i] and not is_placeholder(value):
            return REDACTED
        return redacted[value]

    return [[cell(i, value) for i, value in enumerate(row)] for row in rows]
