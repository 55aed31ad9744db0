"""The evidence tabs: a TabbedContent whose tab follows the keys, not late focus events.

Textual's TabbedContent switches to a pane whenever a widget inside it reports focus. Focus
is set a frame later and reported through each pane's own message queue, so when a responder
types digits quickly (``8`` then ``3``), the report from a pane already left can arrive after
the jump to the next one and pull the screen back to it. Here a report counts only if the
focused widget is still inside the pane that sent it.
"""

from __future__ import annotations

from textual.widgets import TabbedContent, TabPane


class EvidenceTabs(TabbedContent):
    """TabbedContent that ignores focus reports from panes focus has already left."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        focused = self.screen.focused
        if focused is None or event.tab_pane not in focused.ancestors_with_self:
            event.stop()
            event.prevent_default()  # and the base class's handler, which would switch
