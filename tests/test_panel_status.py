"""The evidence panels' one-line status: a long table title is cut before the data's age."""

from __future__ import annotations

from debugtui.tui.panels.base import fit_status

TITLE = "Containers on Podman Engine 4.3.1: 2, 2 running (CPU % of one core; * = average)"
REST = "updated 01:07:01 (3s ago) STALE · auto 3s"
LINE = f"{TITLE} · {REST}"


def test_a_line_that_fits_is_left_alone() -> None:
    assert fit_status(LINE, TITLE, len(LINE) + 2) == LINE


def test_a_long_title_is_cut_so_the_age_and_stale_mark_stay_on_the_line() -> None:
    fitted = fit_status(LINE, TITLE, 80)
    assert fitted.endswith(REST)
    assert fitted.startswith("Containers on Podman")
    assert "…" in fitted
    assert len(fitted) <= 78


def test_the_title_keeps_its_start_even_when_nothing_else_would_fit() -> None:
    fitted = fit_status(LINE, TITLE, 30)
    assert fitted.startswith(TITLE[:12] + "…")
    assert fitted.endswith(REST)  # the line then overflows at its end, as before


def test_no_title_or_no_width_yet_leaves_the_text_as_is() -> None:
    assert fit_status(REST, "", 20) == REST
    assert fit_status(LINE, TITLE, 0) == LINE
