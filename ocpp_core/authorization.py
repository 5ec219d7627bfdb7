"""The station's authorization data (cache and local list) and its local decisions, sans-I/O.

Theory of operation
-------------------
An :class:`Authorizer` holds two tables of :class:`~ocpp_core.storage.IdTagRecord`, both keyed by
the exact idTag string:

* the **Local Authorization List**, changed only by SendLocalList (:meth:`Authorizer.replace_local_list`,
  :meth:`Authorizer.update_local_list`) and in use only while ``LocalAuthListEnabled`` is true and
  ``LocalAuthListManagement`` is in SupportedFeatureProfiles ("the list is active");
* the **Authorization Cache**, filled by :meth:`Authorizer.remember` with every IdTagInfo the
  central system sends (Authorize.conf, StartTransaction.conf, StopTransaction.conf), in use only
  while ``AuthorizationCacheEnabled`` is *true* (checked by value, unlike libocpp, which checks for
  the key's presence).

It never reads the clock (every query takes ``now``) and never does I/O: each durable change is
described by a storage operation, drained with :meth:`Authorizer.take_ops`. The configuration is
read on every call, so a ChangeConfiguration takes effect at once.

Rules (OCPP 1.6 §3.5, errata 3.4/3.5/3.17):

1. The local phase (:meth:`Authorizer.lookup`) runs only if ``LocalPreAuthorize`` and online, or
   ``LocalAuthorizeOffline`` and offline. Otherwise nothing is answered locally, and the caller
   sends Authorize.req when online.
2. The active list is consulted first and its entry, whatever its status, is the answer:
   Accepted/ConcurrentTx are valid unless past ``expiryDate`` (then the answer is Expired);
   Blocked/Invalid/Expired refuse the id. The spec allows ("MAY") an Authorize.req even for an id
   found locally; we do **not** send one for a list entry: the list is the central system's own
   statement about that id, and a station must not start on a refused entry anyway. (libocpp
   does the same, but returns expired entries without downgrading them.) A list entry past its
   expiry date is *answered* as Expired but not rewritten: only SendLocalList changes the list.
3. Then the cache, if enabled: an Accepted, unexpired entry authorizes. A valid entry past its
   expiry date is rewritten Expired (an :class:`~ocpp_core.storage.AuthCachePut`). Any non-valid
   cached answer is returned as information, but is not conclusive: while online the caller
   SHOULD ask the central system again (§3.5.1); offline it refuses the id.
4. :meth:`Authorizer.offline_unknown_allowed`: with ``AllowOfflineTxForUnknownId`` an offline
   station may accept an unknown id, but never one the list holds with a status other than
   Accepted or with a past expiry date, nor one the (enabled) cache holds as refused or expired.
5. List entries are never cached; when the central system's answer for a list entry differs from
   the list's status, :meth:`Authorizer.remember` returns True so the caller reports
   ``LocalListConflict`` on connector 0.
6. The cache holds at most ``max_cache_size`` entries. Inserting into a full cache evicts the
   oldest non-valid entry (not Accepted, or expired) first, else the oldest valid one. "Oldest" is
   the order of first insertion (a refreshed entry keeps its place, as a database row keeps its
   key). An eviction is one ``AuthCacheDelete`` per evicted entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from ocpp_core.config import ConfigRegistry
from ocpp_core.datatypes import IdTagInfo
from ocpp_core.enums import AuthorizationStatus
from ocpp_core.storage import (
    AuthCacheClear,
    AuthCacheDelete,
    AuthCachePut,
    IdTagRecord,
    LocalListReplace,
    LocalListUpdate,
    Snapshot,
    StorageOp,
)
from ocpp_core.timeutil import to_utc

__all__ = [
    "DEFAULT_MAX_CACHE_SIZE",
    "AuthSource",
    "Authorizer",
    "LocalDecision",
    "LocalListEditRefused",
    "info_of",
    "record_of",
]

#: Default capacity of the authorization cache (entries).
DEFAULT_MAX_CACHE_SIZE = 1000

#: Statuses the spec calls "valid" for a local list entry (§3.5.2).
_VALID = frozenset({AuthorizationStatus.ACCEPTED, AuthorizationStatus.CONCURRENT_TX})
_LOCAL_AUTH_PROFILE = "LocalAuthListManagement"


class AuthSource(StrEnum):
    """Where a local answer came from."""

    LOCAL_LIST = "LocalList"
    CACHE = "Cache"


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalDecision:
    """The outcome of the local phase of authorization (:meth:`Authorizer.lookup`).

    ``info`` is the local answer, if any, and ``source`` where it came from.
    ``must_ask_central_system`` is True when the caller should send Authorize.req: online, and no
    conclusive local answer (nothing found, the local phase disabled, or a cached id not valid).
    It is never True offline. A caller starts on ``info`` only if it is set and no question is due.
    """

    info: IdTagInfo | None
    source: AuthSource | None
    must_ask_central_system: bool


def record_of(id_tag: str, info: IdTagInfo) -> IdTagRecord:
    """The storage record of ``id_tag`` with the central system's ``info``."""
    return IdTagRecord(
        id_tag=id_tag, status=info.status.value, expiry_date=info.expiry_date, parent_id_tag=info.parent_id_tag
    )


def info_of(record: IdTagRecord) -> IdTagInfo:
    """The IdTagInfo of a stored record; a status no longer known is read as Invalid (refuses)."""
    try:
        status = AuthorizationStatus(record.status)
    except ValueError:
        status = AuthorizationStatus.INVALID
    return IdTagInfo(status=status, expiry_date=record.expiry_date, parent_id_tag=record.parent_id_tag)


def _expired(record: IdTagRecord, now: datetime) -> bool:
    # to_utc: a store may hand back naive datetimes; the engine's are aware UTC.
    return record.expiry_date is not None and to_utc(record.expiry_date) <= now


def _effective(record: IdTagRecord, now: datetime) -> IdTagInfo:
    """The record's answer at ``now``: a valid status past the expiry date reads as Expired."""
    info = info_of(record)
    if info.status in _VALID and _expired(record, now):
        return replace(info, status=AuthorizationStatus.EXPIRED)
    return info


def _cache_valid(record: IdTagRecord, now: datetime) -> bool:
    return record.status == AuthorizationStatus.ACCEPTED and not _expired(record, now)


#: IdToken is CiString20Type (OCPP 1.6 §7.28).
_ID_TOKEN_MAX = 20


class Authorizer:
    """The authorization cache and the local authorization list, with the decisions made on them."""

    def __init__(
        self,
        config: ConfigRegistry,
        *,
        cache: Iterable[IdTagRecord] = (),
        local_list: Iterable[IdTagRecord] = (),
        local_list_version: int = 0,
        max_cache_size: int = DEFAULT_MAX_CACHE_SIZE,
    ) -> None:
        """Hold ``cache`` (oldest first) and ``local_list``; ``max_cache_size`` must be at least 1."""
        if max_cache_size < 1:
            raise ValueError(f"max_cache_size must be at least 1, not {max_cache_size}")
        self._config = config
        self._cache: dict[str, IdTagRecord] = {r.id_tag: r for r in cache}
        self._list: dict[str, IdTagRecord] = {r.id_tag: r for r in local_list}
        self._version = local_list_version
        self._max_cache = max_cache_size
        self._ops: list[StorageOp] = []

    @classmethod
    def from_snapshot(
        cls, snapshot: Snapshot, config: ConfigRegistry, *, max_cache_size: int = DEFAULT_MAX_CACHE_SIZE
    ) -> Authorizer:
        """The authorizer of a station restored from ``snapshot``."""
        return cls(
            config,
            cache=snapshot.auth_cache,
            local_list=snapshot.local_list,
            local_list_version=snapshot.local_list_version,
            max_cache_size=max_cache_size,
        )

    def take_ops(self) -> list[StorageOp]:
        """The storage operations describing the changes since the last call."""
        ops, self._ops = self._ops, []
        return ops

    # ------------------------------------------------------------------------------------------
    # Configuration

    @property
    def local_list_active(self) -> bool:
        """The list is in use: its profile is supported and ``LocalAuthListEnabled`` is true."""
        return _LOCAL_AUTH_PROFILE in self._config.supported_profiles() and bool(
            self._config.get_bool("LocalAuthListEnabled")
        )

    @property
    def cache_enabled(self) -> bool:
        """``AuthorizationCacheEnabled`` is true (by value: false or absent disables the cache)."""
        return self._config.get_bool("AuthorizationCacheEnabled") is True

    def _list_entry(self, id_tag: str) -> IdTagRecord | None:
        return self._list.get(id_tag) if self.local_list_active else None

    def _cache_entry(self, id_tag: str) -> IdTagRecord | None:
        return self._cache.get(id_tag) if self.cache_enabled else None

    # ------------------------------------------------------------------------------------------
    # Decisions

    def lookup(self, id_tag: str, *, online: bool, now: datetime) -> LocalDecision:
        """The local phase of authorizing ``id_tag`` (rules 1-3 of the module docstring)."""
        cfg = self._config
        local_phase = cfg.get_bool("LocalPreAuthorize") if online else cfg.get_bool("LocalAuthorizeOffline")
        if not local_phase:
            return LocalDecision(info=None, source=None, must_ask_central_system=online)
        entry = self._list_entry(id_tag)
        if entry is not None:
            return LocalDecision(
                info=_effective(entry, now), source=AuthSource.LOCAL_LIST, must_ask_central_system=False
            )
        cached = self._cache_entry(id_tag)
        if cached is None:
            return LocalDecision(info=None, source=None, must_ask_central_system=online)
        if _cache_valid(cached, now):
            return LocalDecision(info=info_of(cached), source=AuthSource.CACHE, must_ask_central_system=False)
        info = _effective(cached, now)
        if info.status.value != cached.status:  # a valid entry past its expiry date: mark it Expired
            self._put_cache(replace(cached, status=info.status.value))
        return LocalDecision(info=info, source=AuthSource.CACHE, must_ask_central_system=online)

    def offline_unknown_allowed(self, id_tag: str, now: datetime) -> bool:
        """Offline, may ``id_tag`` (not authorized locally) start anyway? (Unknown Offline Authorization)."""
        if self._config.get_bool("AllowOfflineTxForUnknownId") is not True:
            return False
        entry = self._list_entry(id_tag)
        if entry is not None and (entry.status != AuthorizationStatus.ACCEPTED or _expired(entry, now)):
            return False
        cached = self._cache_entry(id_tag)
        return cached is None or _cache_valid(cached, now)

    def parent_of(self, id_tag: str, now: datetime) -> str | None:
        """The parentIdTag of a locally valid ``id_tag`` (list first, then cache), else None.

        Refused or expired entries give no parent, so they cannot stop a transaction by parent.
        """
        entry = self._list_entry(id_tag)
        if entry is not None:
            info = _effective(entry, now)
            return info.parent_id_tag if info.status in _VALID else None
        cached = self._cache_entry(id_tag)
        if cached is not None and _cache_valid(cached, now):
            return cached.parent_id_tag
        return None

    # ------------------------------------------------------------------------------------------
    # Cache

    def remember(self, id_tag: str, info: IdTagInfo, now: datetime) -> bool:
        """Record the central system's ``info`` for ``id_tag``; True if it conflicts with the list.

        Cached only while the cache is enabled and ``id_tag`` is not in the active list (list
        entries are never cached). A list entry whose status at ``now`` differs from ``info``'s is
        a conflict: the caller reports ``LocalListConflict`` on connector 0.
        """
        entry = self._list_entry(id_tag)
        if entry is not None:
            return _effective(entry, now).status is not info.status
        if self.cache_enabled:
            record = record_of(id_tag, info)
            if self._cache.get(id_tag) != record:
                self._put_cache(record, now=now)
        return False

    def _put_cache(self, record: IdTagRecord, *, now: datetime | None = None) -> None:
        """Insert or replace ``record``, evicting first when a new id meets a full cache."""
        if record.id_tag not in self._cache and len(self._cache) >= self._max_cache:
            assert now is not None  # only remember() inserts new ids
            while len(self._cache) >= self._max_cache:
                victim = self._eviction_victim(now)
                del self._cache[victim]
                self._ops.append(AuthCacheDelete(id_tag=victim))
        self._cache[record.id_tag] = record
        self._ops.append(AuthCachePut(entry=record))

    def _eviction_victim(self, now: datetime) -> str:
        """The oldest non-valid entry, or else the oldest entry (all valid)."""
        victims = (tag for tag, record in self._cache.items() if not _cache_valid(record, now))
        return next(victims, next(iter(self._cache)))

    def clear_cache(self) -> bool:
        """ClearCache: True (Accepted) if the station has a cache, i.e. the key exists; False (Rejected) if not."""
        if self._config.get("AuthorizationCacheEnabled") is None:
            return False
        self._cache.clear()
        self._ops.append(AuthCacheClear())
        return True

    def cache_entries(self) -> tuple[IdTagRecord, ...]:
        """The cache, oldest first (for the dashboard)."""
        return tuple(self._cache.values())

    # ------------------------------------------------------------------------------------------
    # Local list

    @property
    def local_list_version(self) -> int:
        """The version stored with the list (GetLocalListVersion reports 0 for an empty list)."""
        return self._version

    def local_list_entries(self) -> tuple[IdTagRecord, ...]:
        """The local list, in the order it was sent (for the dashboard)."""
        return tuple(self._list.values())

    def replace_local_list(self, version: int, entries: Iterable[IdTagRecord]) -> None:
        """SendLocalList Full, already validated: the list becomes ``entries`` at ``version``."""
        records = tuple(entries)
        self._list = {r.id_tag: r for r in records}
        self._version = version
        self._ops.append(LocalListReplace(version=version, entries=records))

    def update_local_list(self, version: int, upserts: Iterable[IdTagRecord], deletes: Iterable[str]) -> None:
        """SendLocalList Differential, already validated: delete ``deletes``, add or replace ``upserts``."""
        upserted, deleted = tuple(upserts), tuple(deletes)
        for tag in deleted:
            self._list.pop(tag, None)
        self._list.update((r.id_tag, r) for r in upserted)
        self._version = version
        self._ops.append(LocalListUpdate(version=version, upserts=upserted, deletes=deleted))

    def edit_local_list(self, upserts: Iterable[IdTagRecord], deletes: Iterable[str]) -> None:
        """An operator's local change to the list (the dashboard), keeping the list version.

        The central system owns the version: a local edit must not make its next Differential
        update look stale, so the version stays. Checked like SendLocalList, all or nothing:
        raises :class:`LocalListEditRefused` naming the rule broken, and changes nothing.
        """
        upserted, deleted = tuple(upserts), tuple(deletes)
        if not self.local_list_active:
            raise LocalListEditRefused(
                "the local authorization list is not in use (LocalAuthListEnabled is false "
                "or the LocalAuthListManagement profile is not supported)"
            )
        tags = [r.id_tag for r in upserted]
        if len(set(tags)) != len(tags) or set(tags) & set(deleted):
            raise LocalListEditRefused("an idTag appears twice in one change")
        for record in upserted:
            for label, value in (("idTag", record.id_tag), ("parentIdTag", record.parent_id_tag)):
                if value is not None and not 0 < len(value) <= _ID_TOKEN_MAX:
                    raise LocalListEditRefused(f"{label} must be 1 to {_ID_TOKEN_MAX} characters, not {value!r}")
        unknown = [tag for tag in deleted if tag not in self._list]
        if unknown:
            raise LocalListEditRefused(f"not in the local list: {', '.join(unknown)}")
        size = len((self._list.keys() - set(deleted)) | set(tags))
        limit = self._config.get_int("LocalAuthListMaxLength")
        if limit is not None and size > limit:
            raise LocalListEditRefused(f"the list would hold {size} entries; LocalAuthListMaxLength is {limit}")
        self.update_local_list(self._version, upserted, deleted)


class LocalListEditRefused(ValueError):
    """A local edit of the authorization list broke a rule; the message names it."""
