"""The engine's date-time helpers that the protocol tests do not reach on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpp_core import timeutil
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


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


_offset = st.one_of(
    st.sampled_from(["Z", "z"]),
    st.builds(lambda sign, h, m: f"{sign}{h}:{m}", st.sampled_from("+-"), _digits(2), _digits(2)),
)


@given(
    date=st.one_of(
        st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
        st.builds(lambda y, m, d: f"{y}-{m}-{d}", _digits(4), _digits(2), _digits(2)),
    ),
    sep=st.sampled_from("Tt"),
    clock=st.one_of(
        st.times().map(lambda t: f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"),
        st.builds(lambda h, m, s: f"{h}:{m}:{s}", _digits(2), _digits(2), _digits(2)),
    ),
    fraction=st.one_of(st.just(""), st.integers(1, 9).flatmap(_digits)),
    offset=_offset,
)
def test_parse_datetime_agrees_with_the_field_by_field_reading(date, sep, clock, fraction, offset):
    text = f"{date}{sep}{clock}{'.' + fraction if fraction else ''}{offset}"
    match = timeutil._RFC3339.match(text)
    assert match is not None
    try:
        expected: object = timeutil._parse_match(text, match)
    except (ValueError, OverflowError) as exc:
        expected = type(exc)
    try:
        got: object = timeutil.parse_datetime(text)
    except (ValueError, OverflowError) as exc:
        got = type(exc)
    assert got == expected, text


def test_parse_datetime_refuses_what_is_not_rfc_3339():
    for text in ["2026-03-01", "2026-03-01 12:00:00Z", "2026-03-01T12:00:00", "20260301T120000Z", "2026-W09-1T12:00Z"]:
        with pytest.raises(ValueError, match="is not an RFC 3339 date-time"):
            timeutil.parse_datetime(text)
    assert timeutil.parse_datetime("2026-03-01T12:00:00.5+01:30") == datetime(2026, 3, 1, 10, 30, 0, 500000, tzinfo=UTC)
    assert timeutil.parse_datetime("2016-12-31T23:59:60Z") == datetime(2017, 1, 1, tzinfo=UTC)  # a leap second
