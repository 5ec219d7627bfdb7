"""The engine's date-time helpers that the protocol tests do not reach on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ocpp_core.timeutil import earliest

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_earliest_skips_none():
    later = T0 + timedelta(seconds=1)
    assert earliest() is None
    assert earliest(None, None) is None
    assert earliest(None, later, T0, None) == T0
    assert earliest(later, None) == later


@given(st.lists(st.one_of(st.none(), st.integers(-10_000, 10_000).map(lambda s: T0 + timedelta(seconds=s)))))
def test_earliest_is_min_of_the_times_given(times):
    present = [t for t in times if t is not None]
    assert earliest(*times) == (min(present) if present else None)
