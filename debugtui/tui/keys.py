"""Key bindings as data: the help screen, the command palette and the guide read them here.

Every list a user sees of "which key does what" is generated from the ``BINDINGS`` of the
screen and the app, so a key added or changed in one place can never be missing or wrong in
another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode


@dataclass(frozen=True)
class KeyHelp:
    """One row of the help screen: the keys, the short name and what the action does."""

    keys: str
    """Display form of every key bound to the action, e.g. "space, c"."""
    description: str
    detail: str
    action: str


def as_binding(item: BindingType) -> Binding:
    """A ``BINDINGS`` item (a Binding or a tuple) as a Binding, keys left unsplit."""
    return item if isinstance(item, Binding) else Binding(*item)


def described(bindings: Iterable[BindingType]) -> list[Binding]:
    """The bindings that carry a description (the ones a user is meant to know about)."""
    return [b for b in map(as_binding, bindings) if b.description]


def key_display(app: App[object], binding: Binding) -> str:
    """All of the binding's keys as the footer would show them, comma separated."""
    keys = [k.strip() for k in binding.key.split(",")]
    return ", ".join(
        app.get_key_display(Binding(key, binding.action, key_display=binding.key_display))
        for key in keys
    )


def app_bindings(app: App[object]) -> list[Binding]:
    """The app-wide keys worth listing: the command palette and the app's own bindings."""
    palette = Binding(
        app.COMMAND_PALETTE_BINDING,
        "command_palette",
        "Commands",
        tooltip="Search every action of this screen by name",
    )
    return [palette, *described(type(app).BINDINGS)]


def help_rows(app: App[object], node: DOMNode) -> list[KeyHelp]:
    """Every described binding of ``node`` (a screen) and of the app, in declaration order."""
    rows = []
    for binding in [*described(type(node).BINDINGS), *app_bindings(app)]:
        rows.append(
            KeyHelp(
                keys=key_display(app, binding),
                description=binding.description,
                detail=binding.tooltip or binding.description,
                action=binding.action,
            )
        )
    return rows


def key_for(app: App[object], node: DOMNode, action: str) -> str:
    """The display keys bound to ``action`` on ``node``'s class, or "" when none is."""
    for binding in described(type(node).BINDINGS):
        if binding.action == action:
            return key_display(app, binding)
    return ""


def focus_rows(app: App[object], screen: DOMNode) -> list[KeyHelp]:
    """The keys of the focused widget and its containers (an evidence panel's r, /, p...):
    debugtui's own classes only, innermost first, each key once."""
    rows: list[KeyHelp] = []
    seen: set[str] = set()
    node = getattr(screen, "focused", None)
    while node is not None and node is not screen:
        for cls in type(node).__mro__:
            if not cls.__module__.startswith("debugtui."):
                continue
            for binding in described(cls.__dict__.get("BINDINGS", ())):
                if binding.key in seen:
                    continue
                seen.add(binding.key)
                rows.append(
                    KeyHelp(
                        keys=key_display(app, binding),
                        description=binding.description,
                        detail=binding.tooltip or binding.description,
                        action=binding.action,
                    )
                )
        node = node.parent
    return rows
