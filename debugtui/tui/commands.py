"""The command palette provider that lists the current screen's actions by name.

Built from the screen's ``BINDINGS`` (see :mod:`.keys`), so the palette offers exactly what
the keys do, with the key shown beside each command.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from debugtui.tui.keys import described, key_display


class ScreenActions(Provider):
    """Every described binding of the screen the palette was opened on."""

    def _commands(self) -> list[tuple[str, str, str]]:
        """(name, help, action) for each action the screen allows right now."""
        screen = self.screen
        found = []
        for binding in described(type(screen).BINDINGS):
            if screen.check_action(binding.action.partition("(")[0], ()) is False:
                continue
            keys = key_display(self.app, binding)
            found.append((binding.description, f"{keys}  {binding.tooltip}", binding.action))
        return found

    async def discover(self) -> Hits:
        for name, help_text, action in self._commands():
            yield DiscoveryHit(name, partial(self.screen.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self.screen.run_action, action),
                    help=help_text,
                )
