"""The Smart Charging feature component: installed charging profiles and the limit in force.

Theory of operation
-------------------
:class:`SmartCharging` keeps the installed profiles by ``chargingProfileId``, each with the
connector it was installed on (0: the station; a connector-0 TxDefaultProfile applies to every
connector without one of its own at that stack level, and is stored once). Every change is
journaled (``ChargingProfilePut`` / ``ChargingProfileDelete``) in the step that makes it.

* **Installing** (SetChargingProfile, a RemoteStartTransaction's TxProfile): the profile passes the
  checks of :mod:`ocpp_core.smart_charging.validation`, then replaces the profile with the same id
  (wherever it is) and the one with the same purpose and stack level *on the same connector*; the
  count after the replacement may not exceed MaxChargingProfilesInstalled (a replacement at the
  limit is allowed: it does not add a profile). A TxProfile is bound to the transaction it is for:
  without a ``transactionId`` (or with -1, the id of a transaction whose id is not known yet) it
  gets the running transaction's id once that id is known.
* **RemoteStartTransaction with a TxProfile**: the profile is checked when the request comes
  (without the transaction, but with the room MaxChargingProfilesInstalled leaves), held for the
  connector, and installed -- checked again, now with the transaction -- when a transaction of the
  same idTag starts there. It is dropped when the
  connector no longer waits for that start, or when another transaction starts there.
* **Removing**: ClearChargingProfile by id or by any combination of connector, purpose and stack
  level (a connector-0 TxDefaultProfile is matched by connectorId 0); the TxProfiles of a connector
  when its transaction stops; expired profiles (past ``validTo``, or Absolute and past
  ``startSchedule + duration``) at start and every 24 hours.
* **At start** the stored profiles are checked again (without a transaction: none survives a
  restart); those that fail, or no longer fit the configuration, are deleted.
* **The limit in force** on each connector is its composite schedule (without simulating a
  transaction) at this instant, and on connector 0 the ChargePointMaxProfiles' cap on the whole
  station; both in the first unit of ChargingScheduleAllowedChargingRateUnit. Whenever a
  connector's limit changes -- a profile installed or removed, a transaction started or stopped,
  the connection lost or back (IgnoredProfilePurposesOffline), a period boundary reached -- a
  ``SetChargingLimit`` command goes to the hardware (limit None: nothing applies). The next
  boundary of the composite schedules is the feature's deadline; nothing is emitted when nothing
  changed, and the hardware is taken to start without a limit.
* **GetCompositeSchedule** and :meth:`SmartCharging.composite` answer the same schedule: from
  ``start`` floored to the second, for ``min(duration, MaxCompositeScheduleDuration)`` seconds, in
  the requested or else the first allowed unit, simulating a transaction where none runs, and
  without the purposes of IgnoredProfilePurposesOffline while offline.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ocpp_core.commands import SetChargingLimit
from ocpp_core.datatypes import ChargingProfile, ChargingSchedule
from ocpp_core.enums import ChargingProfilePurposeType, ChargingRateUnitType, FeatureProfile
from ocpp_core.errors import CallErrorException
from ocpp_core.features import Feature
from ocpp_core.messages.smart_charging import SetChargingProfileRequest
from ocpp_core.smart_charging.composite import (
    CompositeSettings,
    ConnectorSession,
    InstalledProfile,
    composite_schedule,
)
from ocpp_core.smart_charging.validation import (
    InvalidProfile,
    ProfileRules,
    RunningTransaction,
    allowed_units,
    check_transaction,
    checked_profile,
    expired,
)
from ocpp_core.storage import ChargingProfileDelete, ChargingProfilePut, ChargingProfileRecord
from ocpp_core.timeutil import earliest
from ocpp_core.validation import load_as
from ocpp_core.wire import to_wire

if TYPE_CHECKING:
    from ocpp_core.chargepoint import ChargePoint
    from ocpp_core.storage import Snapshot

__all__ = ["InstalledProfileView", "SmartCharging"]

#: Keys whose value changes the limit in force (conversion, defaults, offline purposes, unit).
_LIMIT_KEYS = frozenset(
    {
        "SupplyVoltage",
        "CompositeScheduleDefaultLimitAmps",
        "CompositeScheduleDefaultLimitWatts",
        "CompositeScheduleDefaultNumberPhases",
        "IgnoredProfilePurposesOffline",
        "ChargingScheduleAllowedChargingRateUnit",
    }
)

#: How far ahead the composite schedules are looked at for the next change of the limit in force.
LIMIT_HORIZON = 86400
#: How often expired profiles are purged (libocpp: every 24 hours).
PURGE_INTERVAL = timedelta(hours=24)
#: The default limit the live composite is computed with. No profile's limit comes near it, so a
#: limit at or above :data:`_NO_LIMIT_FLOOR` (the default, summed over connectors or converted
#: between A and W) means that no profile applies.
_NO_LIMIT = Decimal(10) ** 15
_NO_LIMIT_FLOOR = Decimal(10) ** 9
_STATION_IGNORES = (ChargingProfilePurposeType.TX_DEFAULT_PROFILE, ChargingProfilePurposeType.TX_PROFILE)
_PURPOSE_RANK = {purpose: rank for rank, purpose in enumerate(ChargingProfilePurposeType)}

#: The limit applied to a connector's hardware: (limit, unit, numberPhases); all None = none.
_Applied = tuple[Decimal | None, str | None, int | None]
_UNLIMITED: _Applied = (None, None, None)


#: An installed profile as shown to the application (``connector_id``, ``profile``): the frozen
#: record the feature keeps, so there is nothing to copy.
InstalledProfileView = InstalledProfile


@dataclass(frozen=True, slots=True)
class _Pending:
    """A RemoteStartTransaction's TxProfile, waiting for the transaction of ``id_tag``."""

    id_tag: str
    profile: ChargingProfile


def _floor(when: datetime) -> datetime:
    return when.replace(microsecond=0)


class SmartCharging(Feature):
    """Installed charging profiles and the limits they put on each connector."""

    def __init__(self, cp: ChargePoint, snapshot: Snapshot) -> None:
        super().__init__(cp, snapshot)
        self._profiles: dict[int, InstalledProfile] = {}
        self._restored = snapshot.charging_profiles
        self._pending: dict[int, _Pending] = {}
        self._applied: dict[int, _Applied] = {}
        self._next_change: datetime | None = None
        self._purge_due: datetime | None = None

    # ------------------------------------------------------------------------------------------
    # views
    @property
    def enabled(self) -> bool:
        """Whether SmartCharging is in SupportedFeatureProfiles (else no profile applies)."""
        return self.cp.profile_enabled(FeatureProfile.SMART_CHARGING)

    def installed(self) -> list[InstalledProfileView]:
        """Every installed profile, ordered by connector, purpose and stack level."""
        return sorted(
            self._profiles.values(),
            key=lambda p: (
                p.connector_id,
                _PURPOSE_RANK[p.profile.charging_profile_purpose],
                p.profile.stack_level,
                p.profile.charging_profile_id,
            ),
        )

    def composite(
        self, connector_id: int, start: datetime, duration: int, unit: ChargingRateUnitType | None = None
    ) -> ChargingSchedule | None:
        """The composite schedule of ``connector_id`` from ``start`` for ``duration`` seconds in
        ``unit`` (None: the first allowed unit) -- what GetCompositeSchedule would answer; None
        when the connector does not exist, the unit is not allowed or the duration is negative."""
        count = self._connector_count()
        units = allowed_units(self.cp.config)
        if not 0 <= connector_id <= count or duration < 0 or (unit is not None and unit not in units):
            return None
        longest = self.cp.config.get_int("MaxCompositeScheduleDuration")
        return composite_schedule(
            list(self._profiles.values()),
            connector_id=connector_id,
            start=_floor(start),
            duration=duration if longest is None else min(duration, longest),
            unit=unit or units[0],
            number_of_connectors=count,
            sessions=self._sessions(),
            settings=self._settings(),
            simulate_transaction=True,
            ignored_purposes=self._ignored(),
        )

    # ------------------------------------------------------------------------------------------
    # the central system's requests
    def set_profile(self, connector_id: int, profile: ChargingProfile, now: datetime) -> str | None:
        """SetChargingProfile: install ``profile`` on ``connector_id``; None when installed, else
        why it was rejected."""
        try:
            self._install(connector_id, profile, now, with_transaction=True)
        except InvalidProfile as exc:
            return str(exc)
        self._refresh(now)
        return None

    def clear(
        self,
        now: datetime,
        *,
        profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: ChargingProfilePurposeType | None = None,
        stack_level: int | None = None,
    ) -> bool:
        """ClearChargingProfile: remove the profile ``profile_id`` or, without an id, every
        profile matching all the criteria given (none given: every profile). True if any was."""
        if profile_id is not None:
            matched = [profile_id] if profile_id in self._profiles else []
        else:
            matched = [
                pid
                for pid, p in self._profiles.items()
                if (connector_id is None or p.connector_id == connector_id)
                and (purpose is None or p.profile.charging_profile_purpose is purpose)
                and (stack_level is None or p.profile.stack_level == stack_level)
            ]
        for pid in matched:
            self._remove(pid)
        if matched:
            self._refresh(now)
        return bool(matched)

    def remote_start_problem(self, connector_id: int, profile: ChargingProfile, now: datetime) -> str | None:
        """Why the TxProfile of a RemoteStartTransaction for ``connector_id`` cannot be used (the
        transaction is not required yet), or None."""
        rules = self._rules()
        try:
            self._replaced_by(connector_id, checked_profile(profile, connector_id, rules, now), rules)
        except InvalidProfile as exc:
            return str(exc)
        return None

    def hold_for_transaction(self, connector_id: int, id_tag: str, profile: ChargingProfile) -> None:
        """Install ``profile`` when the transaction of ``id_tag`` starts on ``connector_id``."""
        self._pending[connector_id] = _Pending(id_tag, profile)

    # ------------------------------------------------------------------------------------------
    # engine hooks
    def on_started(self, now: datetime) -> None:
        restored, self._restored = self._restored, ()
        for record in restored:
            try:
                pid = record.profile_id
            except (KeyError, TypeError, ValueError):
                continue  # no id: not a record a store can hold (profiles are stored by id)
            try:
                stored = load_as(
                    SetChargingProfileRequest,
                    {"connectorId": record.connector_id, "csChargingProfiles": record.profile},
                ).cs_charging_profiles
                self._install(record.connector_id, stored, now, with_transaction=False, unchanged=stored)
            except (InvalidProfile, CallErrorException):
                self.journal(ChargingProfileDelete(profile_id=pid))  # invalid now, or unreadable
        self._purge(now)
        self._refresh(now)

    def next_deadline(self) -> datetime | None:
        return earliest(self._next_change, self._purge_due)

    def tick(self, now: datetime) -> None:
        for connector_id in [n for n in self._pending if self.cp.sessions.startable(n)]:
            del self._pending[connector_id]  # the remote start was given up (ConnectionTimeOut ...)
        purge = self._purge_due is not None and now >= self._purge_due
        if purge:
            self._purge(now)
        if purge or (self._next_change is not None and now >= self._next_change):
            self._refresh(now)

    def on_registered(self, now: datetime, *, reconnect: bool) -> None:
        self._refresh(now)  # online again: IgnoredProfilePurposesOffline apply no more

    def on_connection_changed(self, connected: bool, now: datetime) -> None:
        self._refresh(now)

    def on_configuration_changed(self, key: str, now: datetime) -> None:
        if key in _LIMIT_KEYS:  # the limit in force may be another now
            self._refresh(now)

    def on_transaction_started(self, connector_id: int, tx: Any, now: datetime) -> None:
        pending = self._pending.pop(connector_id, None)
        if pending is not None and pending.id_tag == tx.record.id_tag:
            # Invalid now (MaxChargingProfilesInstalled reached meanwhile ...): the transaction runs without it.
            with contextlib.suppress(InvalidProfile):
                self._install(connector_id, pending.profile, now, with_transaction=True)
        self._refresh(now)

    def on_identification_refused(self, connector_id: int, id_tag: str) -> None:
        pending = self._pending.get(connector_id)
        if pending is not None and pending.id_tag == id_tag:
            del self._pending[connector_id]  # the remote start it came with ends here

    def on_transaction_id(self, connector_id: int, tx: Any, now: datetime) -> None:
        running = self.cp.sessions.transaction_on(connector_id)
        if running is None or running is not tx:
            return  # it stopped before its id came: its TxProfiles went with it
        for installed in list(self._profiles.values()):
            profile = installed.profile
            if (
                installed.connector_id == connector_id
                and profile.charging_profile_purpose is ChargingProfilePurposeType.TX_PROFILE
                and profile.transaction_id is None
            ):
                self._put(replace(installed, profile=replace(profile, transaction_id=running.transaction_id)))
        self._refresh(now)

    def on_transaction_stopped(self, connector_id: int, tx: Any, now: datetime) -> None:
        for pid, installed in list(self._profiles.items()):
            if (
                installed.connector_id == connector_id
                and installed.profile.charging_profile_purpose is ChargingProfilePurposeType.TX_PROFILE
            ):
                self._remove(pid)
        self._refresh(now)

    # ------------------------------------------------------------------------------------------
    # installing and removing
    def _install(
        self,
        connector_id: int,
        profile: ChargingProfile,
        now: datetime,
        *,
        with_transaction: bool,
        unchanged: ChargingProfile | None = None,
    ) -> None:
        """Check and install ``profile``; raises :class:`InvalidProfile`. ``unchanged``: the
        profile as already stored (a restored one is journaled only if the checks changed it)."""
        rules = self._rules()
        profile = checked_profile(profile, connector_id, rules, now)
        if with_transaction:
            profile = self._bound(profile, connector_id)
        pid = profile.charging_profile_id
        replaced = self._replaced_by(connector_id, profile, rules)
        for other in replaced:
            if other != pid:
                self._remove(other)
        installed = InstalledProfile(connector_id=connector_id, profile=profile)
        if profile == unchanged:
            self._profiles[pid] = installed
        else:
            self._profiles.pop(pid, None)  # a replacement counts as a new install
            self._put(installed)

    def _replaced_by(self, connector_id: int, profile: ChargingProfile, rules: ProfileRules) -> list[int]:
        """The ids of the profiles ``profile`` replaces on ``connector_id``: the one with its id,
        and the one with its purpose and stack level there; raises :class:`InvalidProfile` when,
        those gone, MaxChargingProfilesInstalled leaves no room for it."""
        pid = profile.charging_profile_id
        replaced = [
            other
            for other, p in self._profiles.items()
            if other == pid
            or (
                p.connector_id == connector_id
                and p.profile.charging_profile_purpose is profile.charging_profile_purpose
                and p.profile.stack_level == profile.stack_level
            )
        ]
        if len(self._profiles) - len(replaced) >= rules.max_installed:
            raise InvalidProfile(f"MaxChargingProfilesInstalled ({rules.max_installed}) profiles are installed")
        return replaced

    def _bound(self, profile: ChargingProfile, connector_id: int) -> ChargingProfile:
        """A TxProfile bound to the transaction running on ``connector_id`` (its id, or None until
        known: :meth:`on_transaction_id` binds it then); raises :class:`InvalidProfile` without one."""
        running = self._running(connector_id)
        check_transaction(profile, connector_id, running)
        if profile.charging_profile_purpose is not ChargingProfilePurposeType.TX_PROFILE or running is None:
            return profile
        return replace(profile, transaction_id=running.transaction_id)

    def _put(self, installed: InstalledProfile) -> None:
        self._profiles[installed.profile.charging_profile_id] = installed
        record = ChargingProfileRecord(connector_id=installed.connector_id, profile=to_wire(installed.profile))
        self.journal(ChargingProfilePut(record=record))

    def _remove(self, profile_id: int) -> None:
        del self._profiles[profile_id]
        self.journal(ChargingProfileDelete(profile_id=profile_id))

    def _purge(self, now: datetime) -> None:
        for pid, installed in list(self._profiles.items()):
            if expired(installed.profile, now):
                self._remove(pid)
        self._purge_due = now + PURGE_INTERVAL

    # ------------------------------------------------------------------------------------------
    # the limit in force
    def _refresh(self, now: datetime) -> None:
        """Apply every connector's limit in force to the hardware, where it changed; schedule the
        next change."""
        count = self._connector_count()
        profiles = list(self._profiles.values()) if self.enabled else []
        if not profiles:
            self._next_change = None
            for n in range(count + 1):
                self._apply(n, _UNLIMITED, ChargingRateUnitType.A)
            return
        unit = allowed_units(self.cp.config)[0]
        start = _floor(now)
        sessions = self._sessions()
        settings = self._settings(no_limit=True)
        ignored = self._ignored()
        next_change = start + timedelta(seconds=LIMIT_HORIZON)
        for n in range(count + 1):
            schedule = composite_schedule(
                profiles,
                connector_id=n,
                start=start,
                duration=LIMIT_HORIZON,
                unit=unit,
                number_of_connectors=count,
                sessions=sessions,
                settings=settings,
                simulate_transaction=False,
                ignored_purposes={*ignored, *_STATION_IGNORES} if n == 0 else ignored,
            )
            periods = schedule.charging_schedule_period
            first = periods[0]
            limited = first.limit < _NO_LIMIT_FLOOR
            self._apply(n, (first.limit, unit.value, first.number_phases) if limited else _UNLIMITED, unit)
            if len(periods) > 1:
                next_change = min(next_change, start + timedelta(seconds=periods[1].start_period))
        self._next_change = next_change if next_change > now else now + timedelta(seconds=1)

    def _apply(self, connector_id: int, applied: _Applied, unit: ChargingRateUnitType) -> None:
        if self._applied.get(connector_id, _UNLIMITED) == applied:
            return
        self._applied[connector_id] = applied
        limit, _, phases = applied
        self.cp.emit(SetChargingLimit(connector_id=connector_id, limit=limit, unit=unit.value, number_phases=phases))

    # ------------------------------------------------------------------------------------------
    # what the checks and the composite read
    def _connector_count(self) -> int:
        return self.cp.sessions.count

    def _rules(self) -> ProfileRules:
        return ProfileRules.from_config(self.cp.config)

    def _running(self, connector_id: int) -> RunningTransaction | None:
        tx = self.cp.sessions.transaction_on(connector_id)
        return RunningTransaction(transaction_id=tx.transaction_id) if tx is not None else None

    def _sessions(self) -> dict[int, ConnectorSession]:
        sessions: dict[int, ConnectorSession] = {}
        for n in self.cp.sessions.sessions:
            tx = self.cp.sessions.transaction_on(n)
            if tx is not None:
                sessions[n] = ConnectorSession(start=tx.record.start_time, transaction_id=tx.transaction_id)
        return sessions

    def _settings(self, *, no_limit: bool = False) -> CompositeSettings:
        cfg = self.cp.config
        defaults = CompositeSettings()
        amps = cfg.get_decimal("CompositeScheduleDefaultLimitAmps")
        watts = cfg.get_decimal("CompositeScheduleDefaultLimitWatts")
        phases = cfg.get_int("CompositeScheduleDefaultNumberPhases")
        voltage = cfg.get_decimal("SupplyVoltage")
        return CompositeSettings(
            default_limit_amps=_NO_LIMIT if no_limit else amps if amps is not None else defaults.default_limit_amps,
            default_limit_watts=_NO_LIMIT if no_limit else watts if watts is not None else defaults.default_limit_watts,
            default_number_phases=phases if phases is not None else defaults.default_number_phases,
            # SupplyVoltage 0 is a valid key value, but converts nothing: the default stands in.
            supply_voltage=voltage if voltage is not None and voltage > 0 else defaults.supply_voltage,
        )

    def _ignored(self) -> Collection[ChargingProfilePurposeType]:
        """The purposes left out of the composite now: IgnoredProfilePurposesOffline while offline."""
        if self.cp.connected and self.cp.accepted:
            return ()
        names = self.cp.config.get_list("IgnoredProfilePurposesOffline") or ()
        return tuple(p for p in ChargingProfilePurposeType if p.value in names)
