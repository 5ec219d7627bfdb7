"""SendLocalList and GetLocalListVersion handlers (Local Auth List Management profile)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpp_core import rpc
from ocpp_core.authorization import Authorizer
from ocpp_core.config import ConfigRegistry
from ocpp_core.datatypes import AuthorizationData, IdTagInfo
from ocpp_core.enums import AuthorizationStatus as S
from ocpp_core.enums import UpdateStatus, UpdateType
from ocpp_core.messages.local_auth import (
    GetLocalListVersionRequest,
    GetLocalListVersionResponse,
    SendLocalListRequest,
    SendLocalListResponse,
)
from ocpp_core.profiles import local_auth
from ocpp_core.storage import IdTagRecord, LocalListReplace, LocalListUpdate, MemoryStore, Snapshot
from tests.ocpp_core.helpers import config

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
FULL, DIFF = UpdateType.FULL, UpdateType.DIFFERENTIAL


@dataclass
class Station:
    """The part of the engine the handlers use."""

    authorizer: Authorizer
    config: ConfigRegistry


def station(
    *,
    enabled: bool = True,
    profiles: str = "Core,LocalAuthListManagement",
    list_max: int = 10,
    send_max: int = 5,
    snapshot: Snapshot | None = None,
) -> Station:
    cfg = ConfigRegistry.from_json(
        config(
            Core={"SupportedFeatureProfiles": profiles},
            LocalAuthListManagement={
                "LocalAuthListEnabled": enabled,
                "LocalAuthListMaxLength": list_max,
                "SendLocalListMaxLength": send_max,
            },
        )
    )
    return Station(Authorizer.from_snapshot(snapshot or Snapshot(), cfg), cfg)


def entry(tag: str, status: S | None = S.ACCEPTED) -> AuthorizationData:
    return AuthorizationData(id_tag=tag, id_tag_info=None if status is None else IdTagInfo(status=status))


def rec(tag: str, status: S = S.ACCEPTED) -> IdTagRecord:
    return IdTagRecord(id_tag=tag, status=status.value)


def send(cp: Station, version: int, update: UpdateType, entries: list[AuthorizationData] | None = None) -> UpdateStatus:
    request = SendLocalListRequest(
        list_version=version,
        update_type=update,
        local_authorization_list=None if entries is None else tuple(entries),
    )
    response = local_auth.send_local_list(cp, request, rpc.Call(unique_id="1", action="SendLocalList"), T0)
    assert isinstance(response, SendLocalListResponse)
    return response.status


def version(cp: Station) -> int:
    call = rpc.Call(unique_id="2", action="GetLocalListVersion")
    response = local_auth.get_local_list_version(cp, GetLocalListVersionRequest(), call, T0)
    assert isinstance(response, GetLocalListVersionResponse)
    return response.list_version


def tags(cp: Station) -> list[str]:
    return [r.id_tag for r in cp.authorizer.local_list_entries()]


def test_it_exposes_both_handlers() -> None:
    handlers = local_auth.HANDLERS
    assert handlers == {
        "SendLocalList": local_auth.send_local_list,
        "GetLocalListVersion": local_auth.get_local_list_version,
    }


# -- GetLocalListVersion -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enabled", "profiles"), [(False, "Core,LocalAuthListManagement"), (True, "Core"), (False, "Core")]
)
def test_it_reports_minus_one_without_an_active_list(enabled: bool, profiles: str) -> None:  # OCTT TC_042_1
    cp = station(enabled=enabled, profiles=profiles, snapshot=Snapshot(local_list=(rec("A"),), local_list_version=3))
    assert version(cp) == -1


def test_it_reports_zero_for_a_new_station() -> None:
    assert version(station()) == 0


def test_it_reports_zero_for_an_empty_list_after_a_full_update() -> None:  # OCTT TC_042_2
    cp = station()
    assert send(cp, 1, FULL) is UpdateStatus.ACCEPTED
    assert version(cp) == 0
    assert cp.authorizer.local_list_version == 1


def test_it_reports_the_stored_version_of_a_non_empty_list() -> None:
    cp = station(snapshot=Snapshot(local_list=(rec("A"),), local_list_version=7))
    assert version(cp) == 7


# -- SendLocalList -----------------------------------------------------------------------------


@pytest.mark.parametrize(("enabled", "profiles"), [(False, "Core,LocalAuthListManagement"), (True, "Core")])
@pytest.mark.parametrize("update", [FULL, DIFF])
def test_it_answers_not_supported_without_an_active_list(enabled: bool, profiles: str, update: UpdateType) -> None:
    cp = station(enabled=enabled, profiles=profiles)  # OCTT TC_043_1
    assert send(cp, 1, update, [entry("A")]) is UpdateStatus.NOT_SUPPORTED
    assert cp.authorizer.take_ops() == []


def test_it_replaces_the_list_with_a_full_update() -> None:
    cp = station(snapshot=Snapshot(local_list=(rec("OLD"),), local_list_version=1))
    assert send(cp, 2, FULL, [entry("A"), entry("B", S.BLOCKED)]) is UpdateStatus.ACCEPTED
    assert cp.authorizer.local_list_entries() == (rec("A"), rec("B", S.BLOCKED))
    assert version(cp) == 2
    assert cp.authorizer.take_ops() == [LocalListReplace(version=2, entries=(rec("A"), rec("B", S.BLOCKED)))]


@pytest.mark.parametrize("entries", [None, []])
def test_it_empties_the_list_with_an_empty_full_update(entries: list[AuthorizationData] | None) -> None:
    cp = station(snapshot=Snapshot(local_list=(rec("A"),), local_list_version=1))
    assert send(cp, 1, FULL, entries) is UpdateStatus.ACCEPTED
    assert tags(cp) == []
    assert cp.authorizer.take_ops() == [LocalListReplace(version=1, entries=())]


def test_it_accepts_a_full_update_with_any_version_above_zero() -> None:
    cp = station(snapshot=Snapshot(local_list=(rec("A"),), local_list_version=9))
    assert send(cp, 3, FULL, [entry("B")]) is UpdateStatus.ACCEPTED
    assert version(cp) == 3


def test_it_applies_a_differential_update() -> None:
    cp = station(snapshot=Snapshot(local_list=(rec("A"), rec("B"), rec("C")), local_list_version=1))
    status = send(cp, 2, DIFF, [entry("A", S.BLOCKED), entry("B", None), entry("D"), entry("MISSING", None)])
    assert status is UpdateStatus.ACCEPTED
    assert cp.authorizer.local_list_entries() == (rec("A", S.BLOCKED), rec("C"), rec("D"))
    assert version(cp) == 2
    assert cp.authorizer.take_ops() == [
        LocalListUpdate(version=2, upserts=(rec("A", S.BLOCKED), rec("D")), deletes=("B", "MISSING"))
    ]


@pytest.mark.parametrize("entries", [None, []])
def test_it_changes_only_the_version_with_an_empty_differential_update(
    entries: list[AuthorizationData] | None,
) -> None:
    cp = station(snapshot=Snapshot(local_list=(rec("A"),), local_list_version=1))
    assert send(cp, 2, DIFF, entries) is UpdateStatus.ACCEPTED
    assert tags(cp) == ["A"]
    assert version(cp) == 2


def test_it_walks_through_octt_tc_043_2() -> None:
    cp = station()
    assert send(cp, 2, FULL, [entry("A")]) is UpdateStatus.ACCEPTED
    assert version(cp) == 2
    assert send(cp, 5, DIFF, [entry("B")]) is UpdateStatus.ACCEPTED
    assert version(cp) == 5
    cp.authorizer.take_ops()
    assert send(cp, 4, DIFF, [entry("C")]) is UpdateStatus.VERSION_MISMATCH
    assert version(cp) == 5
    assert tags(cp) == ["A", "B"]
    assert cp.authorizer.take_ops() == []


def test_it_answers_version_mismatch_for_a_differential_at_the_stored_version() -> None:
    cp = station(snapshot=Snapshot(local_list=(rec("A"),), local_list_version=3))
    assert send(cp, 3, DIFF, [entry("B")]) is UpdateStatus.VERSION_MISMATCH


def test_it_walks_through_octt_tc_043() -> None:
    cp = station()
    assert send(cp, 1, FULL, [entry("A"), entry("B")]) is UpdateStatus.ACCEPTED
    assert version(cp) == 1
    assert send(cp, 2, DIFF, [entry("C")]) is UpdateStatus.ACCEPTED
    assert version(cp) == 2
    assert tags(cp) == ["A", "B", "C"]


@pytest.mark.parametrize("list_version", [0, -1])
@pytest.mark.parametrize("update", [FULL, DIFF])
def test_it_fails_a_version_of_zero_or_below(list_version: int, update: UpdateType) -> None:
    cp = station()
    assert send(cp, list_version, update, [entry("A")]) is UpdateStatus.FAILED


@pytest.mark.parametrize(
    ("update", "entries"),
    [
        (FULL, [entry(t) for t in "ABCDEF"]),  # more than SendLocalListMaxLength (5)
        (DIFF, [entry(t) for t in "ABCDEF"]),
        (FULL, [entry("A"), entry("A", S.BLOCKED)]),  # duplicate idTag
        (DIFF, [entry("A"), entry("A", None)]),
        (FULL, [entry("A"), entry("B", None)]),  # a Full entry without idTagInfo
    ],
)
def test_it_fails_a_malformed_update_and_changes_nothing(update: UpdateType, entries: list[AuthorizationData]) -> None:
    cp = station(snapshot=Snapshot(local_list=(rec("OLD"),), local_list_version=1))
    assert send(cp, 2, update, entries) is UpdateStatus.FAILED
    assert tags(cp) == ["OLD"]
    assert version(cp) == 1
    assert cp.authorizer.take_ops() == []


def test_it_accepts_exactly_send_local_list_max_length_entries() -> None:
    cp = station()
    assert send(cp, 1, FULL, [entry(t) for t in "ABCDE"]) is UpdateStatus.ACCEPTED


def test_it_fails_an_update_that_would_overflow_the_list() -> None:  # OCTT TC_043_3
    old = tuple(rec(f"T{n}") for n in range(8))
    cp = station(list_max=10, snapshot=Snapshot(local_list=old, local_list_version=1))
    assert send(cp, 2, DIFF, [entry("X"), entry("Y"), entry("Z")]) is UpdateStatus.FAILED
    assert len(tags(cp)) == 8
    # deleting as many as are added keeps it within bounds; replacing existing ids adds nothing
    assert send(cp, 2, DIFF, [entry("X"), entry("Y"), entry("Z"), entry("T0", None)]) is UpdateStatus.ACCEPTED
    assert send(cp, 3, DIFF, [entry("T1", S.BLOCKED), entry("T2", S.BLOCKED)]) is UpdateStatus.ACCEPTED
    assert len(tags(cp)) == 10


def test_it_fails_a_full_update_longer_than_the_list_may_be() -> None:
    cp = station(list_max=2, send_max=5)
    assert send(cp, 1, FULL, [entry("A"), entry("B"), entry("C")]) is UpdateStatus.FAILED
    assert send(cp, 1, FULL, [entry("A"), entry("B")]) is UpdateStatus.ACCEPTED


def test_it_stores_the_id_tag_info_of_each_entry() -> None:
    cp = station()
    expiry = datetime(2027, 1, 1, tzinfo=UTC)
    data = AuthorizationData(
        id_tag="A", id_tag_info=IdTagInfo(status=S.ACCEPTED, expiry_date=expiry, parent_id_tag="P")
    )
    assert send(cp, 1, FULL, [data]) is UpdateStatus.ACCEPTED
    assert cp.authorizer.local_list_entries() == (
        IdTagRecord(id_tag="A", status="Accepted", expiry_date=expiry, parent_id_tag="P"),
    )
    assert cp.authorizer.parent_of("A", T0) == "P"


# -- any sequence of updates -------------------------------------------------------------------

_tags = st.sampled_from(["A", "B", "C", "D", "E", "F", "G"])
_statuses = st.sampled_from([None, S.ACCEPTED, S.BLOCKED, S.EXPIRED, S.INVALID, S.CONCURRENT_TX])
_entries = st.lists(st.builds(entry, _tags, _statuses), max_size=7)
_requests = st.lists(st.tuples(st.integers(-1, 8), st.sampled_from([FULL, DIFF]), st.none() | _entries), max_size=12)


def _model(current: dict[str, S], stored: int, req: tuple[int, UpdateType, Any]) -> tuple[dict[str, S], int] | None:
    """An independent statement of the rules: the new (list, version), or None if refused."""
    list_version, update, entries = req
    entries = entries or []
    if list_version <= 0 or len(entries) > 5 or len({e.id_tag for e in entries}) != len(entries):
        return None
    if update is FULL:
        if any(e.id_tag_info is None for e in entries):
            return None
        result = {e.id_tag: e.id_tag_info.status for e in entries}
    else:
        if list_version <= stored:
            return None
        result = dict(current)
        for e in entries:
            if e.id_tag_info is None:
                result.pop(e.id_tag, None)
            else:
                result[e.id_tag] = e.id_tag_info.status
    return (result, list_version) if len(result) <= 6 else None


@settings(max_examples=200, deadline=None)
@given(_requests)
def test_it_keeps_the_list_consistent_over_any_sequence_of_updates(requests: list[Any]) -> None:
    store = MemoryStore()
    cp = station(list_max=6, send_max=5)
    model: dict[str, S] = {}
    last_accepted = 0
    for req in requests:
        status = send(cp, *req)
        expected = _model(model, last_accepted, req)
        assert (status is UpdateStatus.ACCEPTED) is (expected is not None), (req, status)
        if expected is not None:
            model, last_accepted = expected
        current = tags(cp)
        assert len(current) == len(set(current))  # never a duplicate
        assert {r.id_tag: S(r.status) for r in cp.authorizer.local_list_entries()} == model
        assert cp.authorizer.local_list_version == last_accepted
        assert version(cp) == (last_accepted if model else 0)
        asyncio.run(store.apply(cp.authorizer.take_ops()))
    # what was stored restores the same list
    snapshot = store.snapshot()
    assert snapshot.local_list_version == last_accepted
    assert {r.id_tag: S(r.status) for r in snapshot.local_list} == model
    assert len(snapshot.local_list) == len(model)
