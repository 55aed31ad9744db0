"""A DataTable that refreshes calmly: stable row keys, only changed cells rewritten.

Lessons from Textual's DataTable issues and lazydocker's CPU complaints: a panel that calls
``clear()`` on every refresh loses the cursor and the scroll position and repaints
everything. :class:`LiveTable` instead keys each row (by the columns that identify it),
updates the cells that changed, adds and removes rows, and leaves everything else alone.
Columns have fixed widths, rows are capped, and every cell is literal text: untrusted
strings never reach a markup parser or the terminal as escape sequences.

It also owns what every evidence table offers: a filter (case-insensitive substring over
every cell), sorting by a column, marked rows, and the rows as text for copy and pin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from debugtui.sources.base import Table
from debugtui.textsafe import one_line

MAX_ROWS = 500
"""Rows kept in a table; a panel says how many more there were."""
ADD_SLICE = 100
"""Most rows added in one go. A row costs ~55 us to add and as much to measure when the table
is next idle: a search's first 500 rows in one piece held the UI thread ~100 ms, and a key
pressed meanwhile waited for all of it (B8). In slices, keys are answered between them."""
REFILL_AT = 32
"""Rows leaving at once from which the table is cleared and filled again: ``remove_row``
renumbers every row, and 500 rows replaced one by one took ~290 ms, against ~30 to refill."""
MAX_WIDTH = 60
"""Widest a column grows; longer cells are cut with an ellipsis (the detail view has all)."""


def cell(value: str, width: int = MAX_WIDTH) -> Text:
    """A table cell: one line, literal, cut to ``width``."""
    return Text(one_line(value, width), no_wrap=True, overflow="ellipsis")


class LiveTable(DataTable[Text]):
    """A keyed, filterable, sortable table fed with :class:`Table` snapshots."""

    DEFAULT_CSS = """
    LiveTable {
        height: 1fr;
    }
    """

    def __init__(self, key_columns: Sequence[str] = (), **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.key_columns = tuple(key_columns)
        """Columns whose values identify a row across refreshes; empty: the whole row."""
        self.source_table: Table = Table((), ())
        """The last table shown, unfiltered."""
        self.filter_text = ""
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.marked: set[str] = set()
        """Keys of the rows marked for pinning or copying."""
        self.hidden_rows = 0
        """Rows of the last table not shown: past MAX_ROWS, or filtered out."""
        self._rows_by_key: dict[str, tuple[str, ...]] = {}
        self._pending: list[tuple[str, tuple[str, ...]]] = []
        """Rows of the last table shown still to be added, in order."""
        self._slice_asked = False
        self._cursor_key: str | None = None
        """The cursor's row before a refill, where the cursor goes when it is back."""
        self._cursor_at_end = False
        self._shown_as: dict[str, Callable[[str], str]] = {}

    # -- feeding --------------------------------------------------------------------------

    def show(self, table: Table, *, cursor_at_end: bool = False) -> None:
        """Show ``table``: keep rows whose key survives, rewrite only the cells that changed.

        New rows beyond :data:`ADD_SLICE` are added in slices, one per frame
        (:attr:`pending_rows` counts what is still to come); with ``cursor_at_end``
        the cursor goes to the last row once they are all in.
        """
        if table.columns != self.source_table.columns:
            self._reset_columns(table)
        self.source_table = table
        wanted = self._visible_rows(table)
        self.hidden_rows = len(table.rows) - len(wanted)
        keep = {key for key, _ in wanted}
        gone = [k for k in self._rows_by_key if k not in keep]
        self.marked.difference_update(gone)
        self._cursor_at_end = cursor_at_end
        if len(gone) >= REFILL_AT or self._out_of_order(wanted, keep):
            self._refill(wanted)
            return
        if gone:
            cursor = self.cursor_key
            for key in gone:
                self.remove_row(key)
                del self._rows_by_key[key]
            if cursor in keep:  # rows gone above it must not move it to another row
                self.move_cursor(row=self.get_row_index(cursor), animate=False)
        self._pending = []
        for key, row in wanted:
            old = self._rows_by_key.get(key)
            if old is None:
                self._pending.append((key, row))
            elif old != row:
                for column, (before, after) in zip(
                    table.columns, zip(old, row, strict=False), strict=False
                ):
                    if before != after:
                        text = self._cell(column, after)
                        try:
                            self.update_cell(
                                key, column, text, update_width=self._widen(column, text)
                            )
                        except CellDoesNotExist:
                            continue
                self._rows_by_key[key] = row
        self._add_slice()

    def show_column_as(self, column: str, shown: Callable[[str], str] | None) -> None:
        """Display ``column``'s values through ``shown`` (None: as they are), where a
        shorter form reads better in 80 columns; rows keep the values themselves (filter,
        sort, copy, pin and the detail view use them). The next :meth:`show` redraws."""
        if shown is None:
            if self._shown_as.pop(column, None) is None:
                return
        else:
            self._shown_as[column] = shown
        self.source_table = Table((), ())  # widths and cells are remade from the new form

    def _out_of_order(self, wanted: list[tuple[str, tuple[str, ...]]], keep: set[str]) -> bool:
        """Whether keeping the rows where they are and adding the new ones below would show
        another order than ``wanted``'s: a top view whose ranks moved, a new process busier
        than those shown (it sat at the bottom). Then the table is filled afresh; not when
        the responder sorted it (the sort is put back after every show)."""
        if self.sort_column is not None:
            return False
        order = [row.key.value for row in self.ordered_rows if row.key.value in keep]
        order += [key for key, _ in wanted if key not in self._rows_by_key]
        return order != [key for key, _ in wanted]

    @property
    def pending_rows(self) -> int:
        """Rows of the last table shown that are still to be added."""
        return len(self._pending)

    def _refill(self, wanted: list[tuple[str, tuple[str, ...]]]) -> None:
        """Clear and add ``wanted`` afresh, the cursor staying on its row if that is kept."""
        self._cursor_key = self.cursor_key
        self.clear()
        self._rows_by_key.clear()
        self._pending = wanted
        self._add_slice()

    def _add_slice(self) -> None:
        """Add the next pending rows; the rest after the next frame (keys are handled
        between slices)."""
        adding, self._pending = self._pending[:ADD_SLICE], self._pending[ADD_SLICE:]
        for key, row in adding:
            cells = self._cells(row)
            for column, text in zip(self.source_table.columns, cells, strict=False):
                self._widen(column, text)  # a new row is measured as it is added
            if key in self.marked:
                for text in cells:
                    text.stylize("reverse")
            self.add_row(*cells, key=key)
            self._rows_by_key[key] = row
            if key == self._cursor_key:
                self._cursor_key = None
                self.move_cursor(row=self.get_row_index(key), animate=False)
        if self._pending:
            if not self._slice_asked:
                self._slice_asked = True
                self.call_after_refresh(self._next_slice)
            return
        self._cursor_key = None
        if self.sort_column is not None:
            self._sort()
        if self._cursor_at_end and self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)

    def _next_slice(self) -> None:
        self._slice_asked = False
        if self._pending:  # else a newer show() added them all
            self._add_slice()

    def _reset_columns(self, table: Table) -> None:
        self.clear(columns=True)
        self._rows_by_key.clear()
        self.marked.clear()
        for index, name in enumerate(table.columns):
            shown = self._shown_as.get(name, str)
            width = max(
                len(name),
                *(len(one_line(shown(r[index]))) for r in table.rows[:200] if index < len(r)),
                1,
            )
            self.add_column(Text(name, style="bold"), key=name, width=min(width, MAX_WIDTH))

    def _visible_rows(self, table: Table) -> list[tuple[str, tuple[str, ...]]]:
        needle = self.filter_text.lower()
        rows = []
        seen: dict[str, int] = {}
        for row in table.rows:
            padded = tuple(row) + ("",) * (len(table.columns) - len(row))
            if needle and not any(needle in c.lower() for c in padded):
                continue
            key = self._key(table.columns, padded)
            if key in seen:  # identical keys: number them so each row stays addressable
                seen[key] += 1
                key = f"{key}\x00{seen[key]}"
            else:
                seen[key] = 0
            rows.append((key, padded))
            if len(rows) >= MAX_ROWS:
                break
        return rows

    def _key(self, columns: Sequence[str], row: tuple[str, ...]) -> str:
        if self.key_columns:
            values = [row[columns.index(c)] for c in self.key_columns if c in columns]
            if values:
                return "\x1f".join(values)
        return "\x1f".join(row)

    def _cells(self, row: tuple[str, ...]) -> list[Text]:
        return [self._cell(c, v) for c, v in zip(self.source_table.columns, row, strict=False)]

    def _widen(self, column: str, text: Text) -> bool:
        """Widen ``column`` to fit ``text`` (up to :data:`MAX_WIDTH`); True if it grew.
        Widths come from the first rows shown, and values grow: a container's "up 0s"
        becomes "up 2h03m", a later row has a longer name. Cut, they never showed whole."""
        found = self.columns.get(column)  # type: ignore[call-overload]
        if found is None or found.auto_width or found.width >= text.cell_len:
            return False
        found.width = min(text.cell_len, MAX_WIDTH)
        return True

    def _cell(self, column: str, value: str) -> Text:
        shown = self._shown_as.get(column)
        return cell(value if shown is None else shown(value))

    # -- filter, sort, marks ---------------------------------------------------------------

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.show(self.source_table)

    def sort_by_cursor_column(self) -> str | None:
        """Sort by the cursor's column; again on the same column reverses. Returns its name."""
        if not self.source_table.columns:
            return None
        column = self.source_table.columns[
            min(self.cursor_column, len(self.source_table.columns) - 1)
        ]
        if self.sort_column == column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self._sort()
        return column

    def _sort(self) -> None:
        if self.sort_column is None or self.sort_column not in self.source_table.columns:
            return
        self.sort(self.sort_column, key=_sort_key, reverse=self.sort_reverse)

    def toggle_mark(self) -> None:
        key = self.cursor_key
        if key is None:
            return
        if key in self.marked:
            self.marked.discard(key)
        else:
            self.marked.add(key)
        self._restyle(key)
        self.move_cursor(row=self.cursor_row + 1)

    def _restyle(self, key: str) -> None:
        row = self._rows_by_key.get(key)
        if row is None:
            return
        style = "reverse" if key in self.marked else ""
        for column, value in zip(self.source_table.columns, row, strict=False):
            text = self._cell(column, value)
            text.stylize(style)
            self.update_cell(key, column, text)

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    @property
    def cursor_values(self) -> tuple[str, ...] | None:
        """The selected row as the source gave it (uncut, unstyled)."""
        key = self.cursor_key
        return None if key is None else self._rows_by_key.get(key)

    def selected_rows(self) -> list[tuple[str, ...]]:
        """The marked rows in display order, else the cursor's row."""
        if self.marked:
            order = [r.key.value for r in self.ordered_rows]
            return [self._rows_by_key[k] for k in order if k in self.marked]
        row = self.cursor_values
        return [] if row is None else [row]

    def view_rows(self) -> list[tuple[str, ...]]:
        """Every row as shown (filtered, sorted)."""
        return [
            self._rows_by_key[r.key.value]
            for r in self.ordered_rows
            if r.key.value in self._rows_by_key
        ]

    def as_tsv(self, rows: Sequence[Sequence[str]]) -> str:
        lines = ["\t".join(self.source_table.columns)]
        lines += ["\t".join(one_line(c) for c in row) for row in rows]
        return "\n".join(lines)


def _sort_key(value: Text) -> tuple[int, float, str]:
    """Numbers sort as numbers ("1.2G" < "10M" is not attempted), text as text, blanks last."""
    raw = value.plain.strip().rstrip("%").replace(",", "")
    if not raw or raw == "-":
        return (2, 0.0, "")
    try:
        return (0, float(raw), "")
    except ValueError:
        return (1, 0.0, raw.lower())
