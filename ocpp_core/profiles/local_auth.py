"""Local Auth List Management profile: SendLocalList and GetLocalListVersion (OCPP 1.6 §5.10, §5.15).

Theory of operation
-------------------
The list itself lives in :class:`ocpp_core.authorization.Authorizer` (``cp.authorizer``); these
handlers check a request and then apply it whole, or not at all.

GetLocalListVersion answers -1 when the list is not active (profile unsupported or
``LocalAuthListEnabled`` false), 0 when the list is empty -- even after a Full update with a
version of 1 or more (OCTT TC_042_2) -- and the stored version otherwise.

SendLocalList is checked in this order, the first failing rule giving the status:

1. list not active → ``NotSupported``;
2. ``listVersion`` ≤ 0 (0 and -1 have their GetLocalListVersion meanings) → ``Failed``;
3. more entries than ``SendLocalListMaxLength``, an idTag twice, or a Full entry without
   ``idTagInfo`` → ``Failed``;
4. Differential whose ``listVersion`` is not above the stored version → ``VersionMismatch``
   (OCTT TC_043_2);
5. a resulting list longer than ``LocalAuthListMaxLength`` → ``Failed``;
6. otherwise ``Accepted``: Full replaces the list (an absent or empty list empties it);
   Differential adds or replaces the entries with ``idTagInfo`` and deletes those without (an
   empty Differential changes only the version). The version becomes ``listVersion``.

IdTags are compared exactly, as everywhere in the engine (the spec types them CiString20, but
the list is keyed by the string the central system sent).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from ocpp_core import rpc
from ocpp_core.authorization import Authorizer, record_of
from ocpp_core.config import ConfigRegistry
from ocpp_core.enums import UpdateStatus, UpdateType
from ocpp_core.messages.local_auth import (
    GetLocalListVersionRequest,
    GetLocalListVersionResponse,
    SendLocalListRequest,
    SendLocalListResponse,
)
from ocpp_core.replies import Reply

__all__ = ["HANDLERS", "LocalAuthHost", "get_local_list_version", "send_local_list"]


class LocalAuthHost(Protocol):
    """What these handlers need of the engine: its authorizer and its configuration."""

    @property
    def authorizer(self) -> Authorizer: ...

    @property
    def config(self) -> ConfigRegistry: ...


def get_local_list_version(
    cp: LocalAuthHost, request: GetLocalListVersionRequest, call: rpc.Call, now: datetime
) -> Reply:
    """GetLocalListVersion.conf: -1 without an active list, 0 for an empty one, else the version."""
    authorizer = cp.authorizer
    if not authorizer.local_list_active:
        version = -1
    elif not authorizer.local_list_entries():
        version = 0
    else:
        version = authorizer.local_list_version
    return GetLocalListVersionResponse(list_version=version)


def _status(cp: LocalAuthHost, request: SendLocalListRequest) -> UpdateStatus:
    """The status of ``request`` by rules 1-5 of the module docstring (Accepted: apply it)."""
    authorizer = cp.authorizer
    if not authorizer.local_list_active:
        return UpdateStatus.NOT_SUPPORTED
    if request.list_version <= 0:
        return UpdateStatus.FAILED
    entries = request.local_authorization_list or ()
    tags = {entry.id_tag for entry in entries}
    send_max = cp.config.get_int("SendLocalListMaxLength")
    full = request.update_type is UpdateType.FULL
    if (
        (send_max is not None and len(entries) > send_max)
        or len(tags) != len(entries)
        or (full and any(entry.id_tag_info is None for entry in entries))
    ):
        return UpdateStatus.FAILED
    if not full and request.list_version <= authorizer.local_list_version:
        return UpdateStatus.VERSION_MISMATCH
    if full:
        size = len(entries)
    else:
        kept = {record.id_tag for record in authorizer.local_list_entries()}
        kept.difference_update(entry.id_tag for entry in entries if entry.id_tag_info is None)
        kept.update(entry.id_tag for entry in entries if entry.id_tag_info is not None)
        size = len(kept)
    list_max = cp.config.get_int("LocalAuthListMaxLength")
    if list_max is not None and size > list_max:
        return UpdateStatus.FAILED
    return UpdateStatus.ACCEPTED


def send_local_list(cp: LocalAuthHost, request: SendLocalListRequest, call: rpc.Call, now: datetime) -> Reply:
    """SendLocalList.conf, after applying the update if it is Accepted."""
    status = _status(cp, request)
    if status is UpdateStatus.ACCEPTED:
        entries = request.local_authorization_list or ()
        upserts = [record_of(e.id_tag, e.id_tag_info) for e in entries if e.id_tag_info is not None]
        if request.update_type is UpdateType.FULL:
            cp.authorizer.replace_local_list(request.list_version, upserts)
        else:
            deletes = [e.id_tag for e in entries if e.id_tag_info is None]
            cp.authorizer.update_local_list(request.list_version, upserts, deletes)
    return SendLocalListResponse(status=status)


#: The handlers' signature: ``handler(cp, request, call, now) -> Reply``. Its ``cp`` is any
#: :class:`LocalAuthHost`, so ``ChargePoint`` must offer ``authorizer`` for these to be a ``Handler``.
LocalAuthHandler = Callable[[LocalAuthHost, Any, rpc.Call, datetime], Reply]

HANDLERS: dict[str, LocalAuthHandler] = {
    "SendLocalList": send_local_list,
    "GetLocalListVersion": get_local_list_version,
}
