"""The fast YAML path (libyaml) reads playbooks exactly as the pure-Python reference does."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from debugtui.playbooks import SHIPPED_DIR, _FastMarkedLoader, _MarkedLoader, playbook_files


def marked(value: Any) -> Any:
    """The document with every line number the validation reads, as plain data."""
    if isinstance(value, dict):
        return (
            "map",
            value.line,  # type: ignore[attr-defined]
            value.key_lines,  # type: ignore[attr-defined]
            value.duplicates,  # type: ignore[attr-defined]
            {k: marked(v) for k, v in value.items()},
        )
    if isinstance(value, list):
        return ("seq", value.line, value.item_lines, [marked(v) for v in value])  # type: ignore[attr-defined]
    return value


def test_libyaml_is_used_when_pyyaml_has_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML was built without libyaml")
    assert issubclass(_FastMarkedLoader, yaml.CSafeLoader)


@pytest.mark.parametrize("path", playbook_files(SHIPPED_DIR), ids=lambda p: p.name)
def test_shipped_playbook_reads_the_same_with_every_line(path: Any) -> None:
    text = path.read_text()
    fast = yaml.load(text, Loader=_FastMarkedLoader)
    reference = yaml.load(text, Loader=_MarkedLoader)
    assert marked(fast) == marked(reference)


def test_merges_duplicates_and_timestamps_read_the_same() -> None:
    text = (
        "base: &b {a: 1, b: 2}\n"
        "x:\n  <<: *b\n  b: 3\n"
        "y: 1\ny: 2\n"
        "since: 2026-01-31T14:05Z\n"
        "items:\n  - one\n  - {k: v}\n"
    )
    fast = yaml.load(text, Loader=_FastMarkedLoader)
    assert marked(fast) == marked(yaml.load(text, Loader=_MarkedLoader))
    assert fast["since"] == "2026-01-31T14:05Z"
    assert fast.duplicates == [("y", 6, 5)]
