"""The authorization cache and local list: local decisions, caching, eviction, storage ops."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ocpp_core.authorization import Authorizer, AuthSource, LocalDecision, LocalListEditRefused, info_of, record_of
from ocpp_core.config import ConfigRegistry
from ocpp_core.datatypes import IdTagInfo
from ocpp_core.enums import AuthorizationStatus as S
from ocpp_core.storage import (
    AuthCacheClear,
    AuthCacheDelete,
    AuthCachePut,
    IdTagRecord,
    LocalListReplace,
    LocalListUpdate,
    MemoryStore,
    Snapshot,
    StorageOp,
)
from tests.ocpp_core.helpers import BASE_CONFIG, config

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
PAST = T0 - timedelta(hours=1)
FUTURE = T0 + timedelta(hours=1)


def registry(
    *,
    pre: bool = True,
    offline: bool = True,
    cache: bool | None = True,
    unknown: bool | None = None,
    list_enabled: bool = True,
) -> ConfigRegistry:
    core: dict[str, Any] = {"LocalPreAuthorize": pre, "LocalAuthorizeOffline": offline}
    if cache is not None:
        core["AuthorizationCacheEnabled"] = cache
    if unknown is not None:
        core["AllowOfflineTxForUnknownId"] = unknown
    return ConfigRegistry.from_json(config(Core=core, LocalAuthListManagement={"LocalAuthListEnabled": list_enabled}))


def rec(tag: str, status: S = S.ACCEPTED, expiry: datetime | None = None, parent: str | None = None) -> IdTagRecord:
    return IdTagRecord(id_tag=tag, status=status.value, expiry_date=expiry, parent_id_tag=parent)


def info(status: S = S.ACCEPTED, expiry: datetime | None = None, parent: str | None = None) -> IdTagInfo:
    return IdTagInfo(status=status, expiry_date=expiry, parent_id_tag=parent)


def authorizer(
    cfg: ConfigRegistry | None = None,
    *,
    cache: tuple[IdTagRecord, ...] = (),
    local: tuple[IdTagRecord, ...] = (),
    version: int = 1,
    size: int = 1000,
) -> Authorizer:
    return Authorizer(cfg or registry(), cache=cache, local_list=local, local_list_version=version, max_cache_size=size)


def apply(store: MemoryStore, ops: list[StorageOp]) -> Snapshot:
    asyncio.run(store.apply(ops))
    return store.snapshot()


# -- lookup: which phase runs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pre", "offline", "online", "runs"),
    [
        (True, False, True, True),
        (False, True, True, False),
        (False, True, False, True),
        (True, False, False, False),
    ],
)
def test_it_runs_the_local_phase_only_as_configured(pre: bool, offline: bool, online: bool, runs: bool) -> None:
    auth = authorizer(registry(pre=pre, offline=offline), local=(rec("L"),), cache=(rec("C"),))
    for tag, source in (("L", AuthSource.LOCAL_LIST), ("C", AuthSource.CACHE)):
        decision = auth.lookup(tag, online=online, now=T0)
        if runs:
            assert decision == LocalDecision(info=info(), source=source, must_ask_central_system=False)
        else:
            assert decision == LocalDecision(info=None, source=None, must_ask_central_system=online)


@pytest.mark.parametrize("online", [True, False])
def test_it_asks_only_online_for_an_unknown_id(online: bool) -> None:
    decision = authorizer().lookup("X", online=online, now=T0)
    assert decision == LocalDecision(info=None, source=None, must_ask_central_system=online)


# -- lookup: the local list --------------------------------------------------------------------


@pytest.mark.parametrize("online", [True, False])
@pytest.mark.parametrize("status", [S.ACCEPTED, S.CONCURRENT_TX])
def test_it_authorizes_a_valid_list_entry(online: bool, status: S) -> None:
    auth = authorizer(local=(rec("A", status, FUTURE, "P"),))
    decision = auth.lookup("A", online=online, now=T0)
    assert decision == LocalDecision(
        info=info(status, FUTURE, "P"), source=AuthSource.LOCAL_LIST, must_ask_central_system=False
    )


@pytest.mark.parametrize("online", [True, False])
@pytest.mark.parametrize("status", [S.BLOCKED, S.INVALID, S.EXPIRED])
def test_it_refuses_a_refused_list_entry_without_asking(online: bool, status: S) -> None:
    # The list is the central system's own word: no Authorize.req, and no start.
    auth = authorizer(local=(rec("A", status),), cache=(rec("A"),))
    decision = auth.lookup("A", online=online, now=T0)
    assert decision == LocalDecision(info=info(status), source=AuthSource.LOCAL_LIST, must_ask_central_system=False)


@pytest.mark.parametrize("online", [True, False])
def test_it_answers_expired_for_a_list_entry_past_its_expiry_date_without_rewriting_the_list(online: bool) -> None:
    auth = authorizer(local=(rec("A", S.ACCEPTED, PAST, "P"),))
    decision = auth.lookup("A", online=online, now=T0)
    assert decision.info == info(S.EXPIRED, PAST, "P")
    assert decision.source is AuthSource.LOCAL_LIST and not decision.must_ask_central_system
    assert auth.take_ops() == []
    assert auth.local_list_entries() == (rec("A", S.ACCEPTED, PAST, "P"),)


def test_it_counts_the_expiry_instant_itself_as_expired() -> None:
    auth = authorizer(local=(rec("A", S.ACCEPTED, T0),))
    assert auth.lookup("A", online=True, now=T0).info == info(S.EXPIRED, T0)
    assert auth.lookup("A", online=True, now=T0 - timedelta(seconds=1)).info == info(S.ACCEPTED, T0)


def test_it_gives_the_list_priority_over_the_cache() -> None:
    auth = authorizer(local=(rec("A", S.BLOCKED),), cache=(rec("A", S.ACCEPTED),))
    assert auth.lookup("A", online=False, now=T0).info == info(S.BLOCKED)


@pytest.mark.parametrize("online", [True, False])
def test_it_ignores_the_list_when_disabled(online: bool) -> None:
    auth = authorizer(registry(list_enabled=False), local=(rec("A", S.BLOCKED),), cache=(rec("A"),))
    assert auth.lookup("A", online=online, now=T0) == LocalDecision(
        info=info(), source=AuthSource.CACHE, must_ask_central_system=False
    )
    assert not auth.local_list_active


def test_it_ignores_the_list_when_its_profile_is_not_supported() -> None:
    data = config(
        Core={"SupportedFeatureProfiles": "Core", "LocalPreAuthorize": True},
        LocalAuthListManagement={"LocalAuthListEnabled": True},
    )
    auth = authorizer(ConfigRegistry.from_json(data), local=(rec("A"),))
    assert not auth.local_list_active
    assert auth.lookup("A", online=True, now=T0) == LocalDecision(info=None, source=None, must_ask_central_system=True)


def test_it_has_no_active_list_when_the_profile_section_is_absent() -> None:
    data = config(Core={"SupportedFeatureProfiles": "Core"})
    assert not authorizer(ConfigRegistry.from_json(data)).local_list_active


# -- lookup: the cache -------------------------------------------------------------------------


@pytest.mark.parametrize("online", [True, False])
def test_it_authorizes_an_accepted_unexpired_cache_entry(online: bool) -> None:
    auth = authorizer(cache=(rec("A", S.ACCEPTED, FUTURE, "P"),))
    assert auth.lookup("A", online=online, now=T0) == LocalDecision(
        info=info(S.ACCEPTED, FUTURE, "P"), source=AuthSource.CACHE, must_ask_central_system=False
    )
    assert auth.take_ops() == []


@pytest.mark.parametrize("online", [True, False])
def test_it_rewrites_an_expired_cache_entry_as_expired_and_does_not_authorize_on_it(online: bool) -> None:
    auth = authorizer(cache=(rec("A", S.ACCEPTED, PAST, "P"),))
    decision = auth.lookup("A", online=online, now=T0)
    assert decision == LocalDecision(
        info=info(S.EXPIRED, PAST, "P"), source=AuthSource.CACHE, must_ask_central_system=online
    )
    assert auth.take_ops() == [AuthCachePut(entry=rec("A", S.EXPIRED, PAST, "P"))]
    assert auth.cache_entries() == (rec("A", S.EXPIRED, PAST, "P"),)
    auth.lookup("A", online=online, now=T0)
    assert auth.take_ops() == []  # already marked


@pytest.mark.parametrize("online", [True, False])
@pytest.mark.parametrize("status", [S.BLOCKED, S.INVALID, S.EXPIRED, S.CONCURRENT_TX])
def test_it_asks_again_online_for_a_cached_id_that_is_not_valid(online: bool, status: S) -> None:
    auth = authorizer(cache=(rec("A", status),))
    decision = auth.lookup("A", online=online, now=T0)
    assert decision == LocalDecision(info=info(status), source=AuthSource.CACHE, must_ask_central_system=online)
    assert auth.take_ops() == []


@pytest.mark.parametrize("cache", [False, None])
def test_it_ignores_the_cache_unless_enabled_by_value(cache: bool | None) -> None:
    auth = authorizer(registry(cache=cache), cache=(rec("A"),))
    assert auth.lookup("A", online=True, now=T0) == LocalDecision(info=None, source=None, must_ask_central_system=True)
    assert not auth.cache_enabled


# -- offline unknown ids -----------------------------------------------------------------------


def test_it_allows_an_unknown_id_offline_only_with_allow_offline_tx_for_unknown_id() -> None:
    assert authorizer(registry(unknown=True)).offline_unknown_allowed("X", T0)
    assert not authorizer(registry(unknown=False)).offline_unknown_allowed("X", T0)
    assert not authorizer(registry(unknown=None)).offline_unknown_allowed("X", T0)


@pytest.mark.parametrize(
    ("entry", "allowed"),
    [
        (rec("A", S.ACCEPTED), True),
        (rec("A", S.ACCEPTED, FUTURE), True),
        (rec("A", S.ACCEPTED, PAST), False),
        (rec("A", S.CONCURRENT_TX), False),
        (rec("A", S.BLOCKED), False),
        (rec("A", S.INVALID), False),
        (rec("A", S.EXPIRED), False),
    ],
)
def test_it_refuses_offline_unknown_for_list_entries_not_accepted_or_expired(entry: IdTagRecord, allowed: bool) -> None:
    auth = authorizer(registry(unknown=True), local=(entry,))
    assert auth.offline_unknown_allowed("A", T0) is allowed


@pytest.mark.parametrize(
    ("entry", "allowed"),
    [
        (rec("A", S.ACCEPTED), True),
        (rec("A", S.ACCEPTED, PAST), False),
        (rec("A", S.EXPIRED), False),
        (rec("A", S.BLOCKED), False),
        (rec("A", S.INVALID), False),
    ],
)
def test_it_refuses_offline_unknown_for_cache_entries_refused_or_expired(entry: IdTagRecord, allowed: bool) -> None:
    auth = authorizer(registry(unknown=True), cache=(entry,))
    assert auth.offline_unknown_allowed("A", T0) is allowed


def test_it_ignores_the_disabled_list_and_cache_for_offline_unknown_ids() -> None:
    auth = authorizer(
        registry(unknown=True, cache=False, list_enabled=False),
        local=(rec("A", S.BLOCKED),),
        cache=(rec("A", S.BLOCKED),),
    )
    assert auth.offline_unknown_allowed("A", T0)


# -- parent ------------------------------------------------------------------------------------


def test_it_finds_the_parent_of_a_valid_id_in_the_list_then_the_cache() -> None:
    auth = authorizer(local=(rec("L", parent="P1"), rec("B", S.BLOCKED, parent="P1")), cache=(rec("C", parent="P2"),))
    assert auth.parent_of("L", T0) == "P1"
    assert auth.parent_of("C", T0) == "P2"
    assert auth.parent_of("B", T0) is None  # a refused id cannot stop by parent
    assert auth.parent_of("X", T0) is None


def test_it_gives_no_parent_for_expired_or_refused_entries() -> None:
    auth = authorizer(
        local=(rec("L", S.ACCEPTED, PAST, "P1"),),
        cache=(rec("C", S.ACCEPTED, PAST, "P2"), rec("D", S.INVALID, parent="P3")),
    )
    assert auth.parent_of("L", T0) is None
    assert auth.parent_of("C", T0) is None
    assert auth.parent_of("D", T0) is None
    assert auth.take_ops() == []  # a query only


def test_it_looks_for_the_parent_in_the_list_before_the_cache() -> None:
    auth = authorizer(local=(rec("A", parent="LIST"),), cache=(rec("A", parent="CACHE"),))
    assert auth.parent_of("A", T0) == "LIST"


def test_it_ignores_disabled_stores_for_the_parent() -> None:
    auth = authorizer(
        registry(cache=False, list_enabled=False), local=(rec("L", parent="P"),), cache=(rec("C", parent="P"),)
    )
    assert auth.parent_of("L", T0) is None
    assert auth.parent_of("C", T0) is None


# -- remember ----------------------------------------------------------------------------------


def test_it_caches_the_central_systems_answer() -> None:
    auth = authorizer()
    assert auth.remember("A", info(S.ACCEPTED, FUTURE, "P"), T0) is False
    assert auth.take_ops() == [AuthCachePut(entry=rec("A", S.ACCEPTED, FUTURE, "P"))]
    assert auth.lookup("A", online=False, now=T0).source is AuthSource.CACHE


def test_it_caches_refusals_too_and_replaces_older_answers() -> None:
    auth = authorizer(cache=(rec("A"),))
    auth.remember("A", info(S.BLOCKED), T0)
    assert auth.cache_entries() == (rec("A", S.BLOCKED),)
    assert auth.take_ops() == [AuthCachePut(entry=rec("A", S.BLOCKED))]


def test_it_writes_nothing_when_the_answer_is_already_cached() -> None:
    auth = authorizer(cache=(rec("A", parent="P"),))
    auth.remember("A", info(parent="P"), T0)
    assert auth.take_ops() == []


@pytest.mark.parametrize("cache", [False, None])
def test_it_does_not_cache_when_the_cache_is_not_enabled(cache: bool | None) -> None:
    auth = authorizer(registry(cache=cache))
    assert auth.remember("A", info(), T0) is False
    assert auth.cache_entries() == ()
    assert auth.take_ops() == []


def test_it_never_caches_list_entries() -> None:
    auth = authorizer(local=(rec("A"),))
    assert auth.remember("A", info(), T0) is False
    assert auth.cache_entries() == ()
    assert auth.take_ops() == []


def test_it_caches_ids_of_an_inactive_list() -> None:
    auth = authorizer(registry(list_enabled=False), local=(rec("A", S.BLOCKED),))
    assert auth.remember("A", info(), T0) is False
    assert auth.cache_entries() == (rec("A"),)


@pytest.mark.parametrize(
    ("entry", "answer", "conflict"),
    [
        (rec("A", S.ACCEPTED), S.BLOCKED, True),
        (rec("A", S.BLOCKED), S.ACCEPTED, True),
        (rec("A", S.ACCEPTED), S.CONCURRENT_TX, True),
        (rec("A", S.ACCEPTED), S.ACCEPTED, False),
        (rec("A", S.INVALID), S.INVALID, False),
        (rec("A", S.ACCEPTED, PAST), S.EXPIRED, False),  # the list's answer at `now` is Expired
        (rec("A", S.ACCEPTED, PAST), S.ACCEPTED, True),
    ],
)
def test_it_flags_a_conflict_between_the_list_and_the_central_system(
    entry: IdTagRecord, answer: S, conflict: bool
) -> None:
    auth = authorizer(local=(entry,))
    assert auth.remember("A", info(answer), T0) is conflict
    assert auth.cache_entries() == ()


def test_it_flags_no_conflict_for_an_inactive_list() -> None:
    auth = authorizer(registry(list_enabled=False, cache=False), local=(rec("A"),))
    assert auth.remember("A", info(S.BLOCKED), T0) is False


# -- eviction ----------------------------------------------------------------------------------


def test_it_evicts_the_oldest_non_valid_entry_first() -> None:
    auth = authorizer(cache=(rec("A"), rec("B", S.BLOCKED), rec("C", S.ACCEPTED, PAST), rec("D", S.INVALID)), size=4)
    auth.remember("E", info(), T0)
    assert [r.id_tag for r in auth.cache_entries()] == ["A", "C", "D", "E"]
    auth.remember("F", info(), T0)
    assert [r.id_tag for r in auth.cache_entries()] == ["A", "D", "E", "F"]  # C was expired
    auth.remember("G", info(), T0)
    assert [r.id_tag for r in auth.cache_entries()] == ["A", "E", "F", "G"]


def test_it_evicts_the_oldest_valid_entry_when_all_are_valid() -> None:
    auth = authorizer(cache=(rec("A"), rec("B", S.ACCEPTED, FUTURE)), size=2)
    auth.remember("C", info(), T0)
    assert [r.id_tag for r in auth.cache_entries()] == ["B", "C"]


def test_it_keeps_an_entrys_place_when_it_is_refreshed() -> None:
    auth = authorizer(cache=(rec("A"), rec("B")), size=2)
    auth.remember("A", info(parent="P"), T0)  # no eviction: the id is already cached
    assert [r.id_tag for r in auth.cache_entries()] == ["A", "B"]
    auth.remember("C", info(), T0)
    assert [r.id_tag for r in auth.cache_entries()] == ["B", "C"]


def test_it_writes_an_eviction_as_the_deletion_of_the_evicted_entry() -> None:
    store = MemoryStore(Snapshot(auth_cache=(rec("A"), rec("B", S.BLOCKED), rec("C"))))
    auth = Authorizer.from_snapshot(asyncio.run(store.load()), registry(), max_cache_size=3)
    auth.remember("D", info(), T0)
    ops = auth.take_ops()
    assert ops == [AuthCacheDelete(id_tag="B"), AuthCachePut(entry=rec("D"))]
    assert apply(store, ops).auth_cache == (rec("A"), rec("C"), rec("D"))


def test_it_shrinks_an_oversized_restored_cache_on_the_next_insert() -> None:
    auth = authorizer(cache=(rec("A"), rec("B"), rec("C")), size=2)
    auth.remember("D", info(), T0)
    assert [r.id_tag for r in auth.cache_entries()] == ["C", "D"]


def test_it_refuses_a_cache_without_room() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        authorizer(size=0)


# -- ClearCache --------------------------------------------------------------------------------


@pytest.mark.parametrize("enabled", [True, False])
def test_it_clears_the_cache_when_the_station_has_one(enabled: bool) -> None:
    auth = authorizer(registry(cache=enabled), cache=(rec("A"),))
    assert auth.clear_cache() is True
    assert auth.cache_entries() == ()
    assert auth.take_ops() == [AuthCacheClear()]


def test_it_rejects_clear_cache_without_a_cache() -> None:
    auth = authorizer(registry(cache=None), cache=(rec("A"),))
    assert auth.clear_cache() is False
    assert auth.take_ops() == []


def test_it_asks_the_central_system_for_a_formerly_cached_id_after_clear_cache() -> None:  # OCTT TC_061
    auth = authorizer(cache=(rec("A"),))
    auth.clear_cache()
    assert auth.lookup("A", online=True, now=T0).must_ask_central_system


# -- local list mutations and the dashboard ----------------------------------------------------


def test_it_replaces_and_updates_the_local_list_with_ops() -> None:
    auth = authorizer(local=(rec("OLD"),), version=3)
    auth.replace_local_list(4, [rec("A"), rec("B", S.BLOCKED)])
    assert auth.local_list_version == 4
    assert auth.local_list_entries() == (rec("A"), rec("B", S.BLOCKED))
    auth.update_local_list(5, [rec("C"), rec("A", S.INVALID)], ["B", "MISSING"])
    assert auth.local_list_version == 5
    assert auth.local_list_entries() == (rec("A", S.INVALID), rec("C"))
    assert auth.take_ops() == [
        LocalListReplace(version=4, entries=(rec("A"), rec("B", S.BLOCKED))),
        LocalListUpdate(version=5, upserts=(rec("C"), rec("A", S.INVALID)), deletes=("B", "MISSING")),
    ]
    assert auth.take_ops() == []


def test_it_converts_between_records_and_id_tag_info() -> None:
    assert record_of("A", info(S.BLOCKED, FUTURE, "P")) == rec("A", S.BLOCKED, FUTURE, "P")
    assert info_of(rec("A", S.BLOCKED, FUTURE, "P")) == info(S.BLOCKED, FUTURE, "P")


def test_it_reads_an_unknown_stored_status_as_invalid() -> None:
    odd = IdTagRecord(id_tag="A", status="Whatever")
    assert info_of(odd).status is S.INVALID
    auth = authorizer(local=(odd,))
    assert auth.lookup("A", online=True, now=T0).info == info(S.INVALID)


def test_it_reads_naive_stored_expiry_dates_as_utc() -> None:
    naive = IdTagRecord(id_tag="A", status="Accepted", expiry_date=datetime(2026, 3, 1, 11, 0, 0))
    auth = authorizer(cache=(naive,))
    assert auth.lookup("A", online=False, now=T0).info == IdTagInfo(status=S.EXPIRED, expiry_date=naive.expiry_date)


# -- storage round trip ------------------------------------------------------------------------


def test_it_restores_what_its_ops_stored() -> None:
    store = MemoryStore()
    cfg = registry()
    auth = Authorizer.from_snapshot(asyncio.run(store.load()), cfg)
    auth.replace_local_list(2, [rec("L1"), rec("L2", S.BLOCKED)])
    auth.update_local_list(3, [rec("L3", S.ACCEPTED, FUTURE, "P")], ["L1"])
    auth.remember("C1", info(S.ACCEPTED, PAST), T0)
    auth.remember("C2", info(S.INVALID), T0)
    auth.lookup("C1", online=True, now=T0)  # rewrites C1 as Expired
    snapshot = apply(store, auth.take_ops())

    restored = Authorizer.from_snapshot(snapshot, cfg)
    assert restored.local_list_version == 3
    assert set(restored.local_list_entries()) == set(auth.local_list_entries())
    assert restored.cache_entries() == auth.cache_entries()
    assert restored.cache_entries()[0] == rec("C1", S.EXPIRED, PAST)

    assert restored.clear_cache()
    snapshot = apply(store, restored.take_ops())
    assert snapshot.auth_cache == ()
    assert Authorizer.from_snapshot(snapshot, cfg).cache_entries() == ()


def test_it_starts_empty_from_an_empty_snapshot() -> None:
    auth = Authorizer.from_snapshot(Snapshot(), ConfigRegistry.from_json(BASE_CONFIG))
    assert auth.cache_entries() == ()
    assert auth.local_list_entries() == ()
    assert auth.local_list_version == 0
    assert auth.take_ops() == []


def test_it_reads_configuration_changes_at_once() -> None:
    cfg = registry(pre=False)
    auth = authorizer(cfg, local=(rec("A"),))
    assert auth.lookup("A", online=True, now=T0).info is None
    cfg.set_value("LocalPreAuthorize", True)
    assert auth.lookup("A", online=True, now=T0).info == info()


# ----------------------------------------------------------------------------------------------
# Operator edits (the dashboard)


def test_an_operator_edit_adds_replaces_and_deletes_keeping_the_version() -> None:
    auth = authorizer(local=(rec("A"), rec("B")), version=7)
    auth.edit_local_list([rec("A", S.BLOCKED), rec("C", parent="P")], ["B"])
    assert [(r.id_tag, r.status, r.parent_id_tag) for r in auth.local_list_entries()] == [
        ("A", "Blocked", None),
        ("C", "Accepted", "P"),
    ]
    assert auth.local_list_version == 7
    snapshot = apply(MemoryStore(), auth.take_ops())
    assert snapshot.local_list_version == 7
    assert {r.id_tag for r in snapshot.local_list} == {"A", "C"}


@pytest.mark.parametrize(
    ("upserts", "deletes", "cfg", "message"),
    [
        ([rec("C")], [], registry(list_enabled=False), "not in use"),
        ([rec("C"), rec("C")], [], None, "twice"),
        ([rec("A")], ["A"], None, "twice"),
        ([rec("X" * 21)], [], None, "idTag must be 1 to 20"),
        ([rec("")], [], None, "idTag must be 1 to 20"),
        ([rec("C", parent="P" * 21)], [], None, "parentIdTag must be 1 to 20"),
        ([], ["nope"], None, "not in the local list: nope"),
    ],
)
def test_an_operator_edit_breaking_a_rule_is_refused_and_changes_nothing(
    upserts: list[IdTagRecord], deletes: list[str], cfg: ConfigRegistry | None, message: str
) -> None:
    auth = authorizer(cfg, local=(rec("A"),), version=3)
    with pytest.raises(LocalListEditRefused, match=message):
        auth.edit_local_list(upserts, deletes)
    assert [r.id_tag for r in auth.local_list_entries()] == ["A"]
    assert auth.take_ops() == []


def test_an_operator_edit_may_not_outgrow_local_auth_list_max_length() -> None:
    cfg = ConfigRegistry.from_json(
        config(LocalAuthListManagement={"LocalAuthListEnabled": True, "LocalAuthListMaxLength": 2})
    )
    auth = authorizer(cfg, local=(rec("A"), rec("B")))
    with pytest.raises(LocalListEditRefused, match="would hold 3 entries; LocalAuthListMaxLength is 2"):
        auth.edit_local_list([rec("C")], [])
    auth.edit_local_list([rec("C")], ["A"])  # a swap keeps the size
    assert [r.id_tag for r in auth.local_list_entries()] == ["B", "C"]
