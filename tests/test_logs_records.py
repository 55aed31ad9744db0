"""The logs modules' records: ``typing.NamedTuple`` classes built without importing typing."""

from __future__ import annotations

import pytest

from debugtui.sources.records import NamedTuple


class _Point(NamedTuple):
    """A point."""

    x: int
    y: int = 0
    label: str = ""

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


def test_a_record_is_a_namedtuple_with_its_fields_defaults_docstring_and_methods() -> None:
    point = _Point(3, label="a")
    assert point == (3, 0, "a")
    assert isinstance(point, tuple)
    assert _Point._fields == ("x", "y", "label")
    assert _Point._field_defaults == {"y": 0, "label": ""}
    assert point._replace(y=-4).norm == 7
    assert _Point.__doc__ == "A point."
    assert _Point.__module__ == __name__
    assert _Point.__annotations__ == {"x": "int", "y": "int", "label": "str"}
    assert repr(point) == "_Point(x=3, y=0, label='a')"
    with pytest.raises(AttributeError):
        point.x = 1  # type: ignore[misc]


def test_a_field_without_a_default_after_one_with_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="without a default"):

        class _Bad(NamedTuple):
            a: int = 0
            b: int
