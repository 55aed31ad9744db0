"""No method of our widgets, screens or app is hidden by a name Textual uses itself.

Textual keeps private state on every node under names like ``_auto_refresh`` (an instance
attribute set in ``DOMNode.__init__``). A method of ours with such a name is silently
replaced by that attribute: a timer given the method called nothing, and no evidence panel
ever refreshed itself. A method may override a Textual method on purpose; those are listed.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest
from textual.app import App
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

import debugtui.tui

DELIBERATE_OVERRIDES = {
    ("EvidenceTabs", "_on_tab_pane_focused"),  # ignores focus reports from panes left behind
}


def our_node_classes() -> Iterator[type[DOMNode]]:
    for info in pkgutil.walk_packages(debugtui.tui.__path__, "debugtui.tui."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, DOMNode)
                and value.__module__ == module.__name__
            ):
                yield value


def textual_instance_names() -> set[str]:
    """What Textual sets on a widget, a screen and an app when it makes them."""
    return set(vars(Widget())) | set(vars(Screen())) | set(vars(App()))


def textual_class_names(cls: type) -> set[str]:
    names: set[str] = set()
    for base in cls.__mro__:
        if base.__module__.split(".")[0] == "textual":
            names |= set(vars(base))
    return names


def clashes() -> list[str]:
    instance = textual_instance_names()
    found = []
    for cls in our_node_classes():
        inherited = textual_class_names(cls)
        for name, value in vars(cls).items():
            if name.startswith("__") or not (
                inspect.isfunction(value) or isinstance(value, property)
            ):
                continue
            if (cls.__name__, name) in DELIBERATE_OVERRIDES:
                continue
            if name in instance or (name.startswith("_") and name in inherited):
                found.append(f"{cls.__module__}.{cls.__name__}.{name}")
    return found


def test_no_method_of_ours_is_hidden_by_or_overrides_textuals_private_names() -> None:
    assert clashes() == []


def test_the_check_finds_a_method_named_like_textuals_own_state() -> None:
    class Clashing(Widget):
        def _auto_refresh(self) -> None:  # the name that hid the panels' refresh
            """Never called: the instance attribute wins."""

    assert "_auto_refresh" in textual_instance_names()
    assert Clashing()._auto_refresh is None  # what the timer was handed


@pytest.mark.parametrize("overridden", sorted(DELIBERATE_OVERRIDES))
def test_each_deliberate_override_still_overrides_something(overridden: tuple[str, str]) -> None:
    cls_name, method = overridden
    [cls] = [c for c in our_node_classes() if c.__name__ == cls_name]
    assert method in textual_class_names(cls)
