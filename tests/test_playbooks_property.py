"""Whatever text a playbook file holds, loading it returns a Playbook or raises PlaybookError."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from debugtui.playbooks import Playbook, PlaybookError, parse_playbook

# Keys and values the loader knows, mixed with noise, so generated documents get deep into
# validation (steps, runs, parameters) instead of failing at the first unknown key.
KEYS = st.sampled_from(
    [
        "id", "title", "description", "symptoms", "update_cadence_minutes", "phases",
        "reproduce", "isolate", "verify", "prevent", "later", "text", "guidance", "run",
        "check", "exit", "source", "pattern", "since", "until", "paths", "sort", "top",
        "port", "max_matches", "ignore_case", "context", "name", "repos", 1, "",
    ]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(
        ["logs", "queries", "system", "error_spike", "2h", "(", "[a-", "99999999999999d",
         "total", "2026-13-45", "x" * 70, "now"]
    ),
)  # fmt: skip
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=6)),
    max_leaves=30,
)

VALUES = st.one_of(SCALARS, DOCUMENTS)


def mostly(good: list[Any]) -> st.SearchStrategy[Any]:
    """Usually a valid value, sometimes anything: deep paths get exercised, not just the top."""
    return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(good), VALUES)


RUNS = st.fixed_dictionaries(
    {"source": mostly(["logs", "queries", "containers", "deploys", "sockets", "system"])},
    optional={
        "pattern": mostly(["ERROR", "(?i)oom|killed", "("]),
        "since": mostly(["2h", "30m", "2026-01-31T14:05Z", "soon"]),
        "until": mostly(["now", "1h"]),
        "paths": mostly([["/var/log"], "/var/log/app.log", []]),
        "sort": mostly(["total", "mean", "io"]),
        "top": mostly([5, 0, 10**12]),
        "port": mostly([5432, 0, 70000]),
        "max_matches": mostly([100]),
        "ignore_case": mostly([True, False]),
        "context": mostly([0, 3]),
        "name": mostly(["api"]),
        "repos": mostly([["/srv/app"]]),
    },
)
STEPS = st.one_of(
    mostly(["Check the logs"]),
    st.fixed_dictionaries(
        {"text": mostly(["Check the logs", ""])},
        optional={
            "id": mostly(["first", "verify-1", "bad id!"]),
            "guidance": mostly(["run this"]),
            "run": st.one_of(RUNS, RUNS, VALUES),
            "check": mostly(["error_spike", "disk_full", "nope"]),
            "exit": mostly([True, False]),
        },
    ),
)
PLAYBOOKS = st.fixed_dictionaries(
    {
        "id": mostly(["a", "b-1"]),
        "title": mostly(["A title"]),
        "phases": st.dictionaries(
            st.sampled_from(["reproduce", "test", "verify", "prevent", "later", "", "1"]),
            st.one_of(st.lists(STEPS, min_size=1, max_size=4), VALUES),
            min_size=1,
            max_size=4,
        ),
    },
    optional={
        "symptoms": mostly([["oom"], []]),
        "update_cadence_minutes": mostly([15, 0]),
        "description": mostly(["why"]),
    },
)


def outcome(text: str) -> Any:
    try:
        return parse_playbook(text, "prop.yaml")
    except PlaybookError as exc:
        assert str(exc).startswith("prop.yaml")
        assert exc.errors
        return exc


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text_raises_nothing_but_playbook_error(text: str) -> None:
    assert isinstance(outcome(text), (Playbook, PlaybookError))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_arbitrary_yaml_documents_raise_nothing_but_playbook_error(doc: Any) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    assert isinstance(outcome(text), (Playbook, PlaybookError))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(PLAYBOOKS)
def test_playbook_shaped_documents_raise_nothing_but_playbook_error(doc: Any) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    assert isinstance(outcome(text), (Playbook, PlaybookError))


@settings(max_examples=200)
@given(
    st.lists(
        st.sampled_from(
            ["- ", ": ", "[", "]", "{", "}", "&a ", "*a ", "!!int ", "!!map ", "!!seq ",
             "!!bool ", "!!float ", "!!binary ", "!!set ", "? ", "<<: ", "|", ">", "'",
             '"', "\n", "  ", "x", "1", "#", "%YAML 1.1\n", "---\n", "...\n", "\t", "\x00"]
        ),
        max_size=40,
    )
)  # fmt: skip
def test_yaml_made_of_syntax_tokens_raises_nothing_but_playbook_error(parts: list[str]) -> None:
    assert isinstance(outcome("".join(parts)), (Playbook, PlaybookError))
