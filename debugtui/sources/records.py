"""``NamedTuple`` for the logs modules, without importing ``typing``.

``debugtui logs`` is timed against ``rg -c`` including start-up, and its modules declare
sixteen record classes. With ``typing.NamedTuple`` they cost ~43M instructions (~10 ms):
~15M to import ``typing`` and, per class, a ``ForwardRef`` compiled from every annotation
(the annotations are strings here, ``from __future__ import annotations``). This builds the
same ``collections.namedtuple`` class from the class body and costs ~20M for all sixteen.

Type checkers see ``typing.NamedTuple`` itself: ``class Query(NamedTuple): ...`` reads and
checks as usual. At run time the class is a ``collections.namedtuple`` with the body's
fields (in order, defaults for the trailing ones), docstring, methods and properties.
"""

from __future__ import annotations

TYPE_CHECKING = False
"""``typing.TYPE_CHECKING`` without importing typing (type checkers take it as true)."""

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    import collections

    _NOT_COPIED = frozenset({"__module__"})
    """Class-body names the namedtuple sets itself (as ``typing.NamedTuple`` leaves them)."""

    class _RecordMeta(type):
        def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict) -> type:
            if not bases:  # NamedTuple itself, the base to name
                return super().__new__(mcls, name, bases, namespace)
            fields = namespace.get("__annotations__", {})
            defaults = [namespace[field] for field in fields if field in namespace]
            if any(field not in namespace for field in list(fields)[len(fields) - len(defaults) :]):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            record = collections.namedtuple(
                name, fields, defaults=defaults, module=namespace["__module__"]
            )
            for key, value in namespace.items():  # __annotations__ too, as typing keeps them
                if key not in fields and key not in _NOT_COPIED:
                    setattr(record, key, value)
            return record

    class NamedTuple(metaclass=_RecordMeta):
        """Subclass it as ``typing.NamedTuple``: the subclass is a namedtuple class."""
