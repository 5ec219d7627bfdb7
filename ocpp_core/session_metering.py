"""Meter values of the charging sessions: sampled, clock-aligned, transaction begin/end, triggered.

Theory of operation
-------------------
The hardware feeds :class:`~ocpp_core.inputs.MeterSample` inputs whenever it likes; each one
replaces the connector's previous sample (``Session.last_sample``). This module decides when a
reading is *taken* and what it becomes:

* **Sampled** (Sample.Periodic, MeterValuesSampledData): every MeterValueSampleInterval seconds
  counted from the transaction's start, only while a transaction runs. The timestamp is the time
  the reading is taken (the tick), so consecutive values are exactly one interval apart even when
  the meter reports at its own pace.
* **Clock-aligned** (Sample.Clock, MeterValuesAlignedData): on every ClockAlignedDataInterval
  boundary counted from midnight UTC, for every connector with a sample, with or without a
  transaction; stamped with the boundary.
* **Transaction.Begin / Transaction.End** (MeterValuesSampledData) at the start and the stop.
* **Trigger** (MeterValuesSampledData): TriggerMessage(MeterValues); Rejected when no connector
  asked for has a sample yet.

Every value taken during a transaction is journaled with the transaction (``MeterValueAppend``)
before its MeterValues is queued, so a StopTransaction after a power loss still carries it; the
energy register of sampled and clock-aligned values is journaled as ``meter_last`` (the meterStop
of a power-loss stop). A MeterValues of a transaction carries its transactionId, ``-1`` while the
StartTransaction.conf is outstanding (the queue patches it when the id arrives).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from ocpp_core import metering
from ocpp_core.datatypes import MeterValue
from ocpp_core.enums import ReadingContext
from ocpp_core.messages.core import MeterValuesRequest
from ocpp_core.timeutil import earliest
from ocpp_core.transactions import Transaction

if TYPE_CHECKING:
    from ocpp_core.sessions import Session, SessionManager

__all__ = ["SessionMetering"]


class SessionMetering:
    """The meter values of every connector of one :class:`~ocpp_core.sessions.SessionManager`."""

    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager
        self.next_aligned: datetime | None = None

    def _measurands(self, key: str) -> tuple[metering.MeasurandSpec, ...]:
        return metering.parse_measurand_list(",".join(self.manager.cp.config.get_list(key) or ()))

    def _value(self, session: Session, key: str, context: ReadingContext, when: datetime | None) -> MeterValue | None:
        """The ``key`` measurands of the latest sample, as read at ``when`` (None: the sample's time).

        None when there is no sample or it has none of those measurands.
        """
        sample = session.last_sample
        if sample is None:
            return None
        stamped = sample if when is None else replace(sample, timestamp=when)
        return metering.build_meter_value(stamped, self._measurands(key), context, connector_id=session.connector_id)

    # ------------------------------------------------------------------------------------------
    # timers
    def schedule_aligned(self, now: datetime) -> None:
        interval = self.manager.cp.config.get_int("ClockAlignedDataInterval") or 0
        self.next_aligned = metering.next_clock_aligned(now, interval)

    def schedule_sampled(self, session: Session, now: datetime) -> None:
        """Set the session's next Sample.Periodic time (None without a transaction or an interval)."""
        interval = self.manager.cp.config.get_int("MeterValueSampleInterval") or 0
        tx = session.tx
        session.next_sample = None if tx is None else metering.next_sample_time(tx.record.start_time, now, interval)

    def next_deadline(self) -> datetime | None:
        return earliest(self.next_aligned, *(s.next_sample for s in self.manager.sessions.values()))

    def tick(self, now: datetime) -> None:
        for session in self.manager.sessions.values():
            if session.next_sample is not None and now >= session.next_sample:
                self._send_sampled(session, now)
        if self.next_aligned is not None and now >= self.next_aligned:
            self._send_aligned(self.next_aligned, now)
            self.schedule_aligned(now)

    def settings_changed(self, key: str, now: datetime) -> None:
        if key == "ClockAlignedDataInterval":
            self.schedule_aligned(now)
        elif key == "MeterValueSampleInterval":
            for session in self.manager.sessions.values():
                self.schedule_sampled(session, now)

    # ------------------------------------------------------------------------------------------
    # values
    def _record(self, session: Session, tx: Transaction, value: MeterValue, *, register: bool) -> None:
        """Journal ``value`` with ``tx`` (and, if ``register``, its energy register as the last known meter)."""
        self.manager.journal(tx.add_meter_value(value))
        sample = session.last_sample
        wh = metering.energy_register_wh(sample) if register and sample is not None else None
        if wh is not None:
            self.manager.journal(tx.update(meter_last=wh, meter_last_time=value.timestamp))

    def _send(self, session: Session, value: MeterValue, now: datetime, *, triggered: bool = False) -> None:
        tx = session.tx
        request = MeterValuesRequest(
            connector_id=session.connector_id,
            transaction_id=tx.wire_transaction_id() if tx is not None else None,
            meter_value=(value,),
        )
        self.manager.cp.send(request, now, tx_key=tx.tx_key if tx is not None else None, triggered=triggered)

    def _send_sampled(self, session: Session, now: datetime) -> None:
        self.schedule_sampled(session, now)
        value = self._value(session, "MeterValuesSampledData", ReadingContext.SAMPLE_PERIODIC, now)
        if value is None or session.tx is None:
            return
        self._record(session, session.tx, value, register=True)
        self._send(session, value, now)

    def _send_aligned(self, boundary: datetime, now: datetime) -> None:
        for session in self.manager.sessions.values():
            value = self._value(session, "MeterValuesAlignedData", ReadingContext.SAMPLE_CLOCK, boundary)
            if value is None:
                continue
            if session.tx is not None:
                self._record(session, session.tx, value, register=True)
            self._send(session, value, now)

    def record_bound(self, session: Session, tx: Transaction, context: ReadingContext, now: datetime) -> None:
        """Journal the Transaction.Begin or Transaction.End value of ``tx`` (if the meter gave one)."""
        value = self._value(session, "MeterValuesSampledData", context, now)
        if value is not None:
            self._record(session, tx, value, register=False)

    def stop_data_settings(self) -> tuple[tuple[metering.MeasurandSpec, ...], tuple[metering.MeasurandSpec, ...]]:
        """(StopTxnSampledData, StopTxnAlignedData)."""
        return self._measurands("StopTxnSampledData"), self._measurands("StopTxnAlignedData")

    def trigger(self, connector_id: int | None) -> Callable[[datetime], None] | None:
        """TriggerMessage(MeterValues): the action to run after the .conf, or None (Rejected)."""
        sessions = self.manager.sessions
        targets = [sessions[n] for n in (list(sessions) if connector_id is None else [connector_id]) if n in sessions]

        def values(when: datetime | None) -> list[tuple[Session, MeterValue]]:
            built = [(s, self._value(s, "MeterValuesSampledData", ReadingContext.TRIGGER, when)) for s in targets]
            return [(s, v) for s, v in built if v is not None]

        if not values(None):
            return None

        def send(now: datetime) -> None:
            for session, value in values(now):
                self._send(session, value, now, triggered=True)

        return send
