"""Every loader of text a user (or an attacker) supplies, on arbitrary input, returns its
value or raises its one documented error type: never a traceback of another kind.

Covered here: the times a responder types (``TimeParseError``), the TOML config
(``ConfigError``), the JSON import (``InvestigationImportError``, and a document it accepts
imports into a real notebook), post-mortem templates (``TemplateError``), and the text-safety
functions every screen relies on. The timestamp parser of log lines, the two log search
engines and the playbook loader have theirs in ``test_logtimes.py``, ``test_logs_engines.py``
and ``test_playbooks_property.py``.
"""

from __future__ import annotations

import copy
import json
import math
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from debugtui.config import Config, ConfigError, parse_config
from debugtui.export.jsonfmt import InvestigationImportError, from_json, to_json
from debugtui.export.markdown import PLACEHOLDERS, TemplateError, check_template, render_markdown
from debugtui.export.redact import redact
from debugtui.notebook.model import EntryKind, EvidenceData, Severity
from debugtui.notebook.store import NotebookStore
from debugtui.textsafe import one_line, visible
from debugtui.timewindow import TimeParseError, parse_duration, parse_timestamp, parse_when

NOW = datetime(2026, 1, 31, 14, 42, tzinfo=timezone.utc)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# -- times ------------------------------------------------------------------------------------

UNITS = ["s", "sec", "m", "min", "h", "hr", "d", "day", "w", "wk", "H", "Days", "x", ""]
DURATIONS = st.builds(
    lambda space, number, fraction, unit, plural: f"{space}{number}{fraction}{unit}{plural}",
    st.sampled_from(["", " ", "\t"]),
    st.one_of(st.integers(min_value=0, max_value=10**40).map(str), st.just("9" * 400)),
    st.sampled_from(["", ".5", ".000001", "."]),
    st.sampled_from(UNITS),
    st.sampled_from(["", "s"]),
)
"""Duration-shaped text, from 0s to far more days than a timedelta holds."""
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
TIMESTAMPS = st.one_of(
    st.datetimes(timezones=st.one_of(st.none(), OFFSETS)).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat(sep=" ") + "Z"),
    st.sampled_from(
        ["0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00", "2026-02-30T00:00", "2026-01-31 "]
    ),
)
"""ISO-shaped text, from year 1 to 9999 at any UTC offset (some of it out of range in UTC)."""
TIME_TEXT = st.one_of(st.text(), DURATIONS, TIMESTAMPS, st.sampled_from(["now", " NOW ", ""]))


def is_utc(when: datetime) -> bool:
    return when.tzinfo is not None and when.utcoffset() == timedelta(0)


@given(TIME_TEXT)
def test_a_duration_is_a_timedelta_or_a_time_parse_error(text: str) -> None:
    try:
        delta = parse_duration(text)
    except TimeParseError:
        return
    assert delta >= timedelta(0)


@given(TIME_TEXT)
def test_a_timestamp_is_an_aware_utc_time_or_a_time_parse_error(text: str) -> None:
    try:
        when = parse_timestamp(text)
    except TimeParseError:
        return
    assert is_utc(when)


@given(TIME_TEXT)
def test_when_is_an_aware_utc_time_not_after_now_for_durations_or_a_time_parse_error(
    text: str,
) -> None:
    try:
        when = parse_when(text, NOW)
    except TimeParseError:
        return
    assert is_utc(when)
    try:
        parse_duration(text)
    except TimeParseError:
        return
    assert when <= NOW


@given(st.datetimes(timezones=OFFSETS))
def test_an_iso_time_in_range_reads_back_as_the_same_instant(when: datetime) -> None:
    try:
        utc = when.astimezone(timezone.utc)
    except OverflowError:  # before year 1 or after 9999 in UTC: refused, not raised
        with pytest.raises(TimeParseError):
            parse_timestamp(when.isoformat())
        return
    assert parse_timestamp(when.isoformat()) == utc


# -- the config file ------------------------------------------------------------------------

SECTION_KEYS: dict[str, list[str]] = {
    "deploys": ["repos", "since", "deploy_tags"],
    "logs": ["paths", "max_matches", "context", "since", "error_pattern"],
    "postgres": ["dsn", "connect_timeout_s", "statement_timeout_ms", "lock_timeout_ms", "top"],
    "containers": ["host", "timeout_s"],
    "sockets": ["ports"],
    "thresholds": ["memory_warning", "disk_critical", "load_warning", "close_wait_warning"],
}
TOML_SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["/var/log", "48h", "v*", "unix:///run/x.sock", "postgresql://u:p@h/db"]),
)
TOML_VALUES = st.one_of(
    TOML_SCALARS, st.lists(TOML_SCALARS, max_size=4), st.lists(st.integers(-5, 70000))
)
KNOWN_SECTION = st.sampled_from(sorted(SECTION_KEYS)).flatmap(
    lambda name: st.tuples(
        st.just(name),
        st.dictionaries(
            st.one_of(st.sampled_from(SECTION_KEYS[name]), st.text(min_size=1, max_size=10)),
            TOML_VALUES,
            max_size=5,
        ),
    )
)
ANY_SECTION = st.tuples(
    st.text(min_size=1, max_size=10), st.dictionaries(st.text(max_size=10), TOML_VALUES)
)
CONFIG_DOCUMENTS = st.lists(st.one_of(KNOWN_SECTION, KNOWN_SECTION, ANY_SECTION), max_size=4)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's
    return str(value)


def toml_document(sections: list[tuple[str, dict[str, Any]]]) -> str:
    lines = []
    for name, values in sections:
        lines.append(f"[{json.dumps(name)}]")
        lines += [f"{json.dumps(key)} = {toml_value(v)}" for key, v in values.items()]
    return "\n".join(lines) + "\n"


@given(st.text())
def test_any_text_is_a_config_or_a_config_error(text: str) -> None:
    try:
        assert isinstance(parse_config(text, Path("debugtui.toml")), Config)
    except ConfigError as exc:
        assert str(exc).startswith("debugtui.toml")


@given(CONFIG_DOCUMENTS)
def test_any_toml_document_is_a_config_or_a_config_error_naming_the_file(
    sections: list[tuple[str, dict[str, Any]]],
) -> None:
    text = toml_document(sections)
    try:
        config = parse_config(text, Path("debugtui.toml"))
    except ConfigError as exc:
        assert str(exc).startswith("debugtui.toml")
        return
    assert isinstance(config, Config)
    assert config.postgres.top >= 0 and config.logs.max_matches >= 0


# -- the JSON import --------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        st.sampled_from(["note", "hypothesis", "evidence", "action", "SEV1", "2026-01-31T14:05Z"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)


def exported_document() -> dict[str, Any]:
    """A real export: an investigation with one entry of every kind that carries data."""
    with tempfile.TemporaryDirectory() as folder, NotebookStore(Path(folder) / "n.db") as store:
        inv = store.create_investigation("checkout 500s", Severity.SEV2, tags=("db",))
        note = store.add_entry(inv.id, EntryKind.NOTE, "pool timeouts since 13:58")
        store.add_entry(
            inv.id,
            EntryKind.HYPOTHESIS,
            "pool too small",
            data={"status": "supported", "because": "waits", "supporting": [note.id]},
        )
        store.add_entry(
            inv.id,
            EntryKind.ACTION,
            "raise the pool",
            data={"type": "mitigate", "owner": "ann", "due": "2026-02-01", "ticket": "OPS-1"},
        )
        evidence = EvidenceData(
            title="slow queries", source="queries", columns=("q",), rows=(("select 1",),)
        )
        store.add_entry(inv.id, EntryKind.EVIDENCE, evidence.title, data=evidence.to_dict())
        return to_json(store.get_investigation(inv.id), store.entries(inv.id), now=NOW)


EXPORT = exported_document()


def paths_of(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document (the root included), as a path of keys and indexes."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths_of(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths_of(value, (*path, index))


EXPORT_PATHS = list(paths_of(EXPORT))


@st.composite
def mutated_exports(draw: st.DrawFn) -> Any:
    """The real export with one to three of its values (anywhere) replaced or removed."""
    doc = copy.deepcopy(EXPORT)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(EXPORT_PATHS))
        if not path:
            return draw(JSON_VALUES)
        parent: Any = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(last, None)
            else:
                parent[last] = draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change took this place away
    return doc


@pytest.fixture(scope="module")
def import_store() -> Iterator[NotebookStore]:
    with tempfile.TemporaryDirectory() as folder, NotebookStore(Path(folder) / "n.db") as store:
        yield store


def import_or_refuse(doc: Any, store: NotebookStore) -> None:
    try:
        inv, entries = from_json(doc)
    except InvestigationImportError:
        return
    imported = store.import_investigation(inv, entries)
    assert len(store.entries(imported.id)) == len(entries)


def test_the_unchanged_export_imports() -> None:
    inv, entries = from_json(copy.deepcopy(EXPORT))
    assert inv.title == "checkout 500s" and len(entries) == 4


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(JSON_VALUES)
def test_any_json_is_imported_or_refused_with_an_import_error(
    import_store: NotebookStore, doc: Any
) -> None:
    import_or_refuse(doc, import_store)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(mutated_exports())
def test_a_damaged_export_is_imported_whole_or_refused_with_an_import_error(
    import_store: NotebookStore, doc: Any
) -> None:
    import_or_refuse(doc, import_store)


# -- post-mortem templates ----------------------------------------------------------------------

TEMPLATE_PIECES = st.one_of(
    st.text(max_size=10),
    st.sampled_from([f"${name}" for name in PLACEHOLDERS]),
    st.sampled_from([f"${{{name}}}" for name in PLACEHOLDERS]),
    st.sampled_from(["$", "$$", "${", "}", "${unknown}", "$unknown", "$1", "\n", "${ header}"]),
)
TEMPLATES = st.lists(TEMPLATE_PIECES, max_size=12).map("".join)


@given(TEMPLATES)
def test_a_template_is_checked_or_refused_with_a_template_error_and_renders_once_checked(
    template: str,
) -> None:
    try:
        check_template(template)
    except TemplateError:
        return
    inv, entries = from_json(copy.deepcopy(EXPORT))
    assert isinstance(render_markdown(inv, entries, template, now=NOW), str)


# -- the text every screen shows ------------------------------------------------------------------


@given(st.text())
def test_visible_text_holds_no_control_character(text: str) -> None:
    assert not CONTROL.search(visible(text))


@given(st.text(), st.one_of(st.none(), st.integers(min_value=1, max_value=200)))
def test_one_line_is_one_line_without_controls_and_within_the_limit(
    text: str, limit: int | None
) -> None:
    line = one_line(text, limit)
    assert "\n" not in line and "\r" not in line and not CONTROL.search(line)
    if limit is not None:
        assert len(line) <= limit


@given(st.text())
def test_redaction_never_raises_and_a_second_pass_changes_nothing(text: str) -> None:
    once = redact(text)
    assert redact(once) == once
