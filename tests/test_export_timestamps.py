"""The post-mortem's timestamps: written by isoformat where that is faster, as strftime would."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from debugtui.export.markdown import _ts

ZONES = st.sampled_from([None, timezone.utc, timezone(timedelta(hours=-7, minutes=-30))])


@given(st.datetimes(timezones=ZONES))
def test_a_timestamp_reads_as_strftime_writes_it(when: datetime) -> None:
    assert _ts(when) == when.strftime("%Y-%m-%d %H:%M:%S")
