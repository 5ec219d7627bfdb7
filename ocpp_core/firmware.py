"""The Firmware Management feature: UpdateFirmware and GetDiagnostics, their timers and retries.

Theory of operation
-------------------
The engine keeps the *schedule*; the application performs the transfers. For each step the
engine emits one request -- :class:`~ocpp_core.events.DownloadFirmware` or
:class:`~ocpp_core.events.UploadDiagnostics` (ONE attempt each), the hardware command
:class:`~ocpp_core.commands.InstallFirmware` -- and the application reports the outcome with
:meth:`FirmwareManager.download_finished`, :meth:`~FirmwareManager.upload_finished` or
:meth:`~FirmwareManager.install_finished` (inside a driver step, like ``hardware_result``). An
outcome whose ``ref`` is not the one awaited (a replaced job, an attempt from before a restart)
is ignored. The answers to our status notifications come back through their entries in
:data:`ocpp_core.results.RESULT_HANDLERS` / ``FAILURE_HANDLERS``. The jobs themselves,
the checks of a request's settings and the journaled JSON form are in :mod:`ocpp_core.firmware_jobs`.

**Firmware** (OCPP 1.6 §5.19, §4.5; the job's phase in brackets):

1. UpdateFirmware.conf (always empty). A location whose scheme is not listed in
   SupportedFileTransferProtocols is answered DownloadFailed at once. Otherwise the job waits
   for retrieveDate [Scheduled] -- a date in the past means now.
2. At retrieveDate: Downloading, and one download attempt [Downloading]. A failed attempt is
   retried after ``retryInterval`` seconds, ``retries`` times (erratum 3.50: the number of
   *re*-tries; absent: :data:`DEFAULT_RETRIES` and :data:`DEFAULT_RETRY_INTERVAL`). When every
   attempt failed: DownloadFailed, and the job ends.
3. Downloaded [Downloaded]. Connectors 1..N that are operative are made Unavailable the way
   ChangeAvailability does it -- at once when idle, *scheduled* for the end of the session when
   busy -- and remembered in the job (``taken``); connector 0 is left alone. (libocpp disables
   them without persisting; we persist, like an operator's change, so that a station that
   restarts while it waits still charges no one, and give them back ourselves.) The
   installation waits until no session is busy (no transaction, none being prepared): checked
   when a transaction stops and every :data:`RECHECK_SECONDS` meanwhile.
4. Installing [Installing]. The install command goes to the hardware once the Installing
   notification has been answered (or failed), so the central system hears of it first.
   The adapter fails: InstallationFailed, the connectors taken are given back, the job ends.
5. It succeeds: the new FirmwareVersion (when the adapter tells it) is persisted in the
   configuration, and the engine asks for a reboot (a Hard reset, ``ResetStation``) [Rebooting].
6. After the restart the taken connectors are given back before the first StatusNotification,
   the boot reason is ``FirmwareUpdate``, and Installed is sent once the BootNotification is
   accepted [Installed]; the job ends when that notification is answered.

A new UpdateFirmware replaces a job that has not begun to install (a job waiting for the
sessions gives its connectors back first); during installation and the reboot it is ignored.

**Diagnostics** (§5.9, §4.4): GetDiagnostics.conf names the file (``diagnostics-<id>-<time>.zip``),
then Uploading and one upload attempt; retries as above; Uploaded or UploadFailed. A new
GetDiagnostics replaces the upload under way.

**Notifications.** A status is sent when the registration is Accepted; otherwise (offline,
Pending) it is *owed* (journaled: a restart keeps it) and the latest owed status goes out after the
next acceptance -- as does one whose message was lost with the connection. TriggerMessage reports the current status: Idle when no
job runs (also while an update waits for its retrieveDate), else the phase's status.

**Persistence.** Each kind keeps one :class:`~ocpp_core.storage.FeatureStateSet` record
(``firmware``, ``diagnostics``): the last status, the job (as
:func:`~ocpp_core.firmware_jobs.job_json` writes it), a short history. An acknowledged
request therefore survives a restart: a scheduled update keeps its date, an attempt that was under
way is made again (not counted twice), an installation that was under way is run again, and a
job that installed reports Installed after the boot.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ocpp_core.commands import InstallFirmware
from ocpp_core.enums import DiagnosticsStatus, FirmwareStatus
from ocpp_core.errors import ConfigError
from ocpp_core.events import DownloadFirmware, UploadDiagnostics
from ocpp_core.features import Feature
from ocpp_core.firmware_jobs import (
    DEFAULT_RETRIES,
    DEFAULT_RETRY_INTERVAL,
    PHASE_STATUS,
    DiagnosticsJob,
    FirmwareJob,
    Job,
    Phase,
    diagnostics_job_from_json,
    firmware_job_from_json,
    history_entry,
    history_view,
    job_json,
    job_view,
    new_diagnostics_job,
    retry_settings,
    scheme_refusal,
)
from ocpp_core.messages.firmware import DiagnosticsStatusNotificationRequest, FirmwareStatusNotificationRequest
from ocpp_core.storage import FeatureStateSet, QueuedMessage
from ocpp_core.timeutil import earliest, format_datetime, to_utc

if TYPE_CHECKING:
    from collections.abc import Callable

    from ocpp_core.chargepoint import ChargePoint
    from ocpp_core.messages.firmware import GetDiagnosticsRequest, UpdateFirmwareRequest
    from ocpp_core.storage import Snapshot

__all__ = [
    "DEFAULT_RETRIES",
    "DEFAULT_RETRY_INTERVAL",
    "DiagnosticsJob",
    "FirmwareJob",
    "FirmwareManager",
    "Phase",
    "RECHECK_SECONDS",
    "TRANSFER_PROTOCOLS",
]

#: While an update waits for the sessions to end, how often to look again.
RECHECK_SECONDS = 10
#: The protocols OCPP 1.6 names; used when SupportedFileTransferProtocols is not set.
TRANSFER_PROTOCOLS = ("FTP", "FTPS", "HTTP", "HTTPS")
#: History entries kept per kind.
HISTORY_SIZE = 20

_FIRMWARE = "firmware"
_DIAGNOSTICS = "diagnostics"
_ACTIONS = {"FirmwareStatusNotification": _FIRMWARE, "DiagnosticsStatusNotification": _DIAGNOSTICS}
_CONNECTION_LOST = "connection lost"


class FirmwareManager(Feature):
    """Firmware updates and diagnostics uploads: their schedule, status and retries."""

    def __init__(self, cp: ChargePoint, snapshot: Snapshot) -> None:
        super().__init__(cp, snapshot)
        fw = snapshot.feature_state.get(_FIRMWARE, {})
        diag = snapshot.feature_state.get(_DIAGNOSTICS, {})
        self.firmware: FirmwareJob | None = firmware_job_from_json(fw.get("job"))
        self.diagnostics: DiagnosticsJob | None = diagnostics_job_from_json(diag.get("job"))
        self._status = {_FIRMWARE: str(fw.get("status") or "Idle"), _DIAGNOSTICS: str(diag.get("status") or "Idle")}
        self._history = {_FIRMWARE: list(fw.get("history") or []), _DIAGNOSTICS: list(diag.get("history") or [])}
        self._next_id = max(int(fw.get("next_id") or 1), int(diag.get("next_id") or 1))
        #: Statuses to report at the next acceptance, by kind (journaled: a restart keeps them).
        self._owed: dict[str, str] = {
            k: str(v["owed"]) for k, v in ((_FIRMWARE, fw), (_DIAGNOSTICS, diag)) if v.get("owed")
        }
        #: The status notification of each kind sent but not yet answered (journaled: one the
        #: process died with is owed again after the restart -- the normal queue is not kept).
        self._unanswered: dict[str, str] = {
            k: str(v["unanswered"]) for k, v in ((_FIRMWARE, fw), (_DIAGNOSTICS, diag)) if v.get("unanswered")
        }
        for kind, status in self._unanswered.items():
            self._owed.setdefault(kind, status)
        #: Our status notifications waiting for their answer: queue seq -> (kind, status).
        self._sent: dict[int, tuple[str, str]] = {}
        #: When to look again whether the sessions have ended (a Downloaded update waits).
        self._recheck_at: datetime | None = None
        for action, kind in _ACTIONS.items():
            cp.trigger_handlers[action] = self._trigger(kind)

    # ------------------------------------------------------------------------------------------
    # views
    def status_view(self) -> dict[str, Any]:
        """For the dashboard: ``firmware`` and ``diagnostics`` (each a dict with at least
        ``status``: the last status notified, "Idle" when nothing ran, and ``job``: the update or
        upload in progress or None) and ``history``: a list of dicts ``{"time": datetime,
        "kind": "firmware"|"diagnostics", "status": str, "detail": str}``, newest first."""
        return {
            "firmware": {"status": self._status[_FIRMWARE], "job": job_view(self.firmware)},
            "diagnostics": {"status": self._status[_DIAGNOSTICS], "job": job_view(self.diagnostics)},
            "history": history_view([*self._history[_FIRMWARE], *self._history[_DIAGNOSTICS]]),
        }

    def firmware_status(self) -> FirmwareStatus:
        """What TriggerMessage(FirmwareStatusNotification) reports now."""
        return FirmwareStatus.IDLE if self.firmware is None else PHASE_STATUS[self.firmware.phase]

    def diagnostics_status(self) -> DiagnosticsStatus:
        """What TriggerMessage(DiagnosticsStatusNotification) reports now."""
        return DiagnosticsStatus.IDLE if self.diagnostics is None else DiagnosticsStatus.UPLOADING

    # ------------------------------------------------------------------------------------------
    # the central system's requests
    def update_firmware(self, request: UpdateFirmwareRequest, now: datetime) -> Callable[[datetime], None]:
        """UpdateFirmware: check it; returns what to run once the (empty) .conf is written.

        Raises :class:`PropertyConstraintViolation` (nothing changes) for a negative retries or
        retryInterval.
        """
        retries, interval = retry_settings(request.retries, request.retry_interval)
        return lambda when: self._accept_update(request, retries, interval, when)

    def _accept_update(self, request: UpdateFirmwareRequest, retries: int, interval: int, now: datetime) -> None:
        location = request.location
        job = self.firmware
        if job is not None and job.phase in (Phase.INSTALLING, Phase.REBOOTING, Phase.INSTALLED):
            self._note(_FIRMWARE, "UpdateFirmware ignored", "an installation is under way", now)
            return
        if job is not None:
            self.firmware = None
            self._give_back(job, now)
            self._record(_FIRMWARE, "Replaced", f"by a new UpdateFirmware ({job.phase.value})", now)
        refusal = self._scheme_refusal(location)
        if refusal is not None:
            self._notify(_FIRMWARE, FirmwareStatus.DOWNLOAD_FAILED, now, refusal)
            return
        retrieve = to_utc(request.retrieve_date)
        self.firmware = FirmwareJob(
            job_id=self._new_id(),
            location=location,
            retrieve_date=retrieve,
            retries=retries,
            retry_interval=interval,
            phase=Phase.SCHEDULED,
            next_at=max(retrieve, now),
        )
        self._note(_FIRMWARE, "Scheduled", f"retrieve {format_datetime(retrieve)} from {location}", now)
        self.tick(now)  # a retrieveDate already past: Downloading now

    def get_diagnostics(self, request: GetDiagnosticsRequest, now: datetime) -> tuple[str, Callable[[datetime], None]]:
        """GetDiagnostics: the file name for the .conf and what to run once it is written.

        Raises :class:`PropertyConstraintViolation` (nothing changes) for a negative retries or
        retryInterval, or a stopTime before the startTime.
        """
        job = new_diagnostics_job(request, self.cp.config.get_str("ChargePointId"), now)
        return job.file_name, lambda when: self._accept_diagnostics(job, when)

    def _accept_diagnostics(self, job: DiagnosticsJob, now: datetime) -> None:
        if self.diagnostics is not None:
            self._record(_DIAGNOSTICS, "Replaced", f"by a new GetDiagnostics ({self.diagnostics.file_name})", now)
            self.diagnostics = None
        refusal = self._scheme_refusal(job.location)
        if refusal is not None:
            self._notify(_DIAGNOSTICS, DiagnosticsStatus.UPLOAD_FAILED, now, refusal)
            return
        self.diagnostics = replace(job, job_id=self._new_id(), next_at=now)
        self.tick(now)

    def _scheme_refusal(self, location: str) -> str | None:
        return scheme_refusal(location, self.cp.config.get_list("SupportedFileTransferProtocols") or TRANSFER_PROTOCOLS)

    # ------------------------------------------------------------------------------------------
    # what the application reports
    def download_finished(self, ref: str, now: datetime, *, path: str | None = None, error: str | None = None) -> bool:
        """One download attempt ended: the image is at ``path``, or it failed with ``error``.

        Returns False (and changes nothing) when ``ref`` is not the attempt awaited.
        """
        job = self.firmware
        if job is None or job.phase is not Phase.DOWNLOADING or job.ref != ref:
            return False
        if path is not None and error is None:
            self.firmware = replace(job, phase=Phase.DOWNLOADED, ref=None, path=path)
            self._notify(_FIRMWARE, FirmwareStatus.DOWNLOADED, now, f"attempt {job.attempts}")
            self._take_connectors(now)
            self._recheck_at = now
            return True
        retry = self._retry(_FIRMWARE, job, error or "no file", now)
        self.firmware = retry if isinstance(retry, FirmwareJob) else None
        if retry is None:
            self._notify(_FIRMWARE, FirmwareStatus.DOWNLOAD_FAILED, now, self._last_detail(_FIRMWARE))
        return True

    def install_finished(
        self, ref: str, now: datetime, *, version: str | None = None, error: str | None = None
    ) -> bool:
        """The hardware installed the image (``version`` now runs, if it tells) or failed with ``error``.

        Returns False (and changes nothing) when ``ref`` is not the installation awaited.
        """
        job = self.firmware
        if job is None or job.phase is not Phase.INSTALLING or job.ref != ref:
            return False
        if error is not None:
            self.firmware = None
            self._notify(_FIRMWARE, FirmwareStatus.INSTALLATION_FAILED, now, error)
            self._give_back(job, now)
            return True
        detail = "the new firmware runs after the reboot"
        if version is not None:
            try:
                persisted = self.cp.config.set_value("FirmwareVersion", version)
                self.cp.persist_config(self.cp.config.section_of("FirmwareVersion"), "FirmwareVersion", persisted)
                detail = f"version {version}; {detail}"
            except ConfigError as exc:
                detail = f"version not recorded ({exc}); {detail}"
        self.firmware = replace(job, phase=Phase.REBOOTING, ref=None, version=version)
        self._note(_FIRMWARE, "Installed, rebooting", detail, now)
        self.cp.sessions.begin_reset("Hard", now)
        return True

    def upload_finished(self, ref: str, now: datetime, *, error: str | None = None) -> bool:
        """One upload attempt ended (``error`` None: uploaded). False when ``ref`` is not awaited."""
        job = self.diagnostics
        if job is None or job.ref != ref:
            return False
        if error is None:
            self.diagnostics = None
            self._notify(_DIAGNOSTICS, DiagnosticsStatus.UPLOADED, now, f"{job.file_name}, attempt {job.attempts}")
            return True
        retry = self._retry(_DIAGNOSTICS, job, error, now)
        self.diagnostics = retry if isinstance(retry, DiagnosticsJob) else None
        if retry is None:
            self._notify(_DIAGNOSTICS, DiagnosticsStatus.UPLOAD_FAILED, now, self._last_detail(_DIAGNOSTICS))
        return True

    def _retry(self, kind: str, job: Job, error: str, now: datetime) -> Job | None:
        """After a failed attempt: the job waiting for its next attempt, or None when all are used up."""
        detail = f"attempt {job.attempts} of {job.retries + 1}: {error}"
        self._record(kind, "Attempt failed", detail, now)
        if job.attempts > job.retries:
            return None
        retry = replace(job, ref=None, next_at=now + timedelta(seconds=job.retry_interval))
        self._save(kind, retry)
        return retry

    def _last_detail(self, kind: str) -> str:
        return str(self._history[kind][0]["detail"])

    def notification_settled(self, message: QueuedMessage, error: str | None, now: datetime) -> None:
        """Our Firmware/DiagnosticsStatusNotification was answered (``error`` None) or failed."""
        sent = self._sent.pop(message.seq, None)
        if sent is None:
            return
        kind, status = sent
        if self._unanswered.get(kind) == status:
            del self._unanswered[kind]
            self._save(kind)
        if error == _CONNECTION_LOST:
            self._owed[kind] = status  # say it again once accepted (lost ones fail oldest first)
            self._save(kind)
        job = self.firmware
        if kind != _FIRMWARE or job is None:
            return
        if job.phase is Phase.INSTALLING and job.ref is None and status == FirmwareStatus.INSTALLING:
            self._install(now)
        elif job.phase is Phase.INSTALLED and status == FirmwareStatus.INSTALLED and error != _CONNECTION_LOST:
            self.firmware = None
            self._owed.pop(_FIRMWARE, None)
            self._save(_FIRMWARE)

    # ------------------------------------------------------------------------------------------
    # steps
    def _start_attempt(self, kind: str, job: Job, now: datetime) -> None:
        """The next download/upload attempt; the first one is announced (Downloading/Uploading)."""
        attempt = job.attempts + 1
        prefix = "fw" if kind == _FIRMWARE else "diag"
        started = replace(job, attempts=attempt, ref=f"{prefix}-{job.job_id}-{attempt}", next_at=None)
        if isinstance(started, FirmwareJob):
            self.firmware = replace(started, phase=Phase.DOWNLOADING)
        else:
            self.diagnostics = started
        if attempt == 1:
            status = FirmwareStatus.DOWNLOADING if kind == _FIRMWARE else DiagnosticsStatus.UPLOADING
            self._notify(kind, status, now, job.location)
        else:
            self._note(kind, "Attempt", f"attempt {attempt} of {job.retries + 1}", now)
        self._request(kind)

    def _request(self, kind: str) -> None:
        """Ask the application for the attempt of ``kind`` that is awaited."""
        fw, diag = self.firmware, self.diagnostics
        if kind == _FIRMWARE and fw is not None and fw.phase is Phase.DOWNLOADING and fw.ref is not None:
            self.cp.emit(DownloadFirmware(ref=fw.ref, location=fw.location, attempt=fw.attempts))
        elif kind == _DIAGNOSTICS and diag is not None and diag.ref is not None:
            event = UploadDiagnostics(
                ref=diag.ref,
                location=diag.location,
                file_name=diag.file_name,
                start_time=diag.start_time,
                stop_time=diag.stop_time,
                attempt=diag.attempts,
            )
            self.cp.emit(event)

    def _sessions_idle(self) -> bool:
        return not any(session.busy for session in self.cp.sessions.sessions.values())

    def _try_install(self, now: datetime) -> None:
        """A Downloaded update installs once no session is busy; otherwise look again later."""
        job = self.firmware
        if job is None or job.phase is not Phase.DOWNLOADED:
            return
        if not self._sessions_idle():
            self._recheck_at = now + timedelta(seconds=RECHECK_SECONDS)
            return
        self.firmware = replace(job, phase=Phase.INSTALLING, ref=None)
        if not self._notify(_FIRMWARE, FirmwareStatus.INSTALLING, now, job.path or ""):
            self._install(now)  # not sent (offline): nobody to tell first

    def _install(self, now: datetime) -> None:
        job = self.firmware
        assert job is not None and job.path is not None
        self.firmware = replace(job, ref=f"fw-{job.job_id}-install")
        self._save(_FIRMWARE)
        self.cp.emit(InstallFirmware(ref=f"fw-{job.job_id}-install", path=job.path))

    def _take_connectors(self, now: datetime) -> None:
        """Make the operative connectors Unavailable (scheduled when busy); remember which."""
        job = self.firmware
        assert job is not None
        sessions = self.cp.sessions
        taken = []
        for n, session in sessions.sessions.items():
            if sessions.availability.operative(n) and session.scheduled is not False:
                sessions.change_availability(n, False, now)
                taken.append(n)
        self.firmware = replace(job, taken=tuple(taken))
        self._save(_FIRMWARE)
        sessions.flush_status(now)

    def _give_back(self, job: FirmwareJob, now: datetime, *, flush: bool = True) -> None:
        """Make the connectors ``job`` took operative again (those still unavailable or scheduled)."""
        sessions = self.cp.sessions
        for n in job.taken:
            if not sessions.availability.operative(n) or sessions.sessions[n].scheduled is False:
                sessions.change_availability(n, True, now)
        if flush:
            sessions.flush_status(now)

    # ------------------------------------------------------------------------------------------
    # status notifications
    def _notify(self, kind: str, status: FirmwareStatus | DiagnosticsStatus, now: datetime, detail: str) -> bool:
        """Record ``status`` and send it now if Accepted, else owe it (see the module docstring).

        True if a notification was queued."""
        self._status[kind] = status.value
        self._record(kind, status.value, detail, now)
        self._owed.pop(kind, None)
        sent = self.cp.accepted and self._send(kind, status.value, now, triggered=False)
        if not sent:
            self._owed[kind] = status.value
        self._save(kind)
        return sent

    def _send(self, kind: str, status: str, now: datetime, *, triggered: bool) -> bool:
        request: Any
        if kind == _FIRMWARE:
            request = FirmwareStatusNotificationRequest(status=FirmwareStatus(status))
        else:
            request = DiagnosticsStatusNotificationRequest(status=DiagnosticsStatus(status))
        message = self.cp.send(request, now, triggered=triggered)
        if message is None:
            return False
        self._sent[message.seq] = (kind, status)
        if not triggered:
            self._unanswered[kind] = status  # journaled by the caller's _save
        return True

    def _trigger(self, kind: str) -> Callable[[int | None], Callable[[datetime], None]]:
        """TriggerMessage(Firmware/DiagnosticsStatusNotification): the current status, after the .conf."""

        def send(now: datetime) -> None:
            status = self.firmware_status() if kind == _FIRMWARE else self.diagnostics_status()
            self._send(kind, status.value, now, triggered=True)

        return lambda connector_id: send

    # ------------------------------------------------------------------------------------------
    # persistence
    def _new_id(self) -> int:
        job_id, self._next_id = self._next_id, self._next_id + 1
        return job_id

    def _record(self, kind: str, status: str, detail: str, now: datetime) -> None:
        self._history[kind] = [history_entry(kind, status, detail, now), *self._history[kind]][:HISTORY_SIZE]

    def _note(self, kind: str, status: str, detail: str, now: datetime) -> None:
        self._record(kind, status, detail, now)
        self._save(kind)

    def _save(self, kind: str, job: Job | None = None) -> None:
        """Journal the state of ``kind`` (with ``job``, default: the current one)."""
        if job is None:
            job = self.firmware if kind == _FIRMWARE else self.diagnostics
        value = {
            "status": self._status[kind],
            "next_id": self._next_id,
            "job": job_json(job),
            "owed": self._owed.get(kind),
            "unanswered": self._unanswered.get(kind),
            "history": self._history[kind],
        }
        self.journal(FeatureStateSet(name=kind, value=value))

    # ------------------------------------------------------------------------------------------
    # engine hooks
    def on_started(self, now: datetime) -> None:
        """Resume what the snapshot holds (see "Persistence" in the module docstring)."""
        fw, diag = self.firmware, self.diagnostics
        if fw is not None:
            if fw.phase is Phase.DOWNLOADING:
                self._request(_FIRMWARE)  # the attempt under way when we stopped (if any): again
            elif fw.phase is Phase.DOWNLOADED:
                self._recheck_at = now
            elif fw.phase is Phase.INSTALLING:
                self._install(now)
            elif fw.phase in (Phase.REBOOTING, Phase.INSTALLED):
                self.cp.boot_reason = "FirmwareUpdate"
                if fw.phase is Phase.REBOOTING:
                    self._give_back(fw, now, flush=False)  # before the first StatusNotification
                    self.firmware = replace(fw, phase=Phase.INSTALLED, taken=())
                    self._status[_FIRMWARE] = FirmwareStatus.INSTALLED.value
                    self._note(_FIRMWARE, "Installed", f"rebooted, running version {fw.version or 'unknown'}", now)
                self._owed[_FIRMWARE] = FirmwareStatus.INSTALLED.value
        if diag is not None:
            self._request(_DIAGNOSTICS)

    def on_registered(self, now: datetime, *, reconnect: bool) -> None:
        """Accepted (again): send what is owed."""
        for kind, status in list(self._owed.items()):
            del self._owed[kind]
            if not self._send(kind, status, now, triggered=False):
                self._owed[kind] = status
            self._save(kind)

    def on_transaction_stopped(self, connector_id: int, tx: Any, now: datetime) -> None:
        if self.firmware is not None and self.firmware.phase is Phase.DOWNLOADED:
            self._recheck_at = now  # looked at in the next tick, once the stop is complete

    def next_deadline(self) -> datetime | None:
        firmware, diagnostics = self.firmware, self.diagnostics
        return earliest(
            self._recheck_at,
            firmware.next_at if firmware is not None and firmware.ref is None else None,
            diagnostics.next_at if diagnostics is not None and diagnostics.ref is None else None,
        )

    def tick(self, now: datetime) -> None:
        if self._recheck_at is not None and now >= self._recheck_at:
            self._recheck_at = None
            self._try_install(now)
        for kind, job in ((_FIRMWARE, self.firmware), (_DIAGNOSTICS, self.diagnostics)):
            if job is not None and job.ref is None and job.next_at is not None and now >= job.next_at:
                self._start_attempt(kind, job, now)
