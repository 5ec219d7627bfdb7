"""Fill a station's data dir before a benchmark starts it (run with ``STATION_DATA_DIR`` set).

``python -m bench.prefill backlog --count N``
    ``N`` MeterValues of one transaction in the station's message queue, as the engine leaves
    them after a long time offline: written through the station's own store
    (``DjangoStore``'s ``apply`` with the engine's ``QueuePut`` operations, one transaction). The
    i-th message (``seq`` i) carries the meter reading ``i`` Wh, so the central system can check
    that every one arrived, once, in order. Each payload is checked with the engine's validator.
``python -m bench.prefill trace --rows N``
    ``N`` message-trace rows of a busy station (request/answer pairs of MeterValues, Heartbeat,
    StatusNotification, Authorize, Start/StopTransaction from the station and GetConfiguration,
    TriggerMessage, RemoteStartTransaction from the central system, one frame a second),
    plus a dashboard user and a logged-in session. One Authorize of the idTag ``RARE-TAG-77``
    sits 10 % from the oldest end, for the text filter. Prints ``{"session": KEY, "cookie": NAME,
    "matching": {QUERY: ROWS}}``: how many rows each filter of ``bench.trace_pages`` selects.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["RARE_TAG", "TX_ID", "main"]

TX_ID = 4242
RARE_TAG = "RARE-TAG-77"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "station.settings")
    import django

    django.setup()


def meter_payload(index: int, when: datetime) -> dict[str, Any]:
    return {
        "connectorId": 1,
        "transactionId": TX_ID,
        "meterValue": [
            {
                "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "sampledValue": [
                    {
                        "value": str(index),
                        "context": "Sample.Periodic",
                        "measurand": "Energy.Active.Import.Register",
                        "location": "Outlet",
                        "unit": "Wh",
                    },
                    {"value": "7360", "context": "Sample.Periodic", "measurand": "Power.Active.Import", "unit": "W"},
                ],
            }
        ],
    }


def prefill_backlog(count: int) -> dict[str, Any]:
    from ocpp_core import validation
    from ocpp_core.storage import QueuedMessage, QueuePut, StorageOp
    from station.store import DjangoStore

    start = datetime.now(UTC) - timedelta(seconds=10 * count)
    ops: list[StorageOp] = []
    for index in range(1, count + 1):
        when = start + timedelta(seconds=10 * index)
        payload = meter_payload(index, when)
        if index == 1:
            validation.validate("MeterValues", "request", payload)
        message = QueuedMessage(
            seq=index,
            unique_id=str(uuid.uuid4()),
            action="MeterValues",
            payload=payload,
            transactional=True,
            created_at=when,
        )
        ops.append(QueuePut(message=message))
    DjangoStore._apply(ops)
    return {"queued": count}


Frame = tuple[datetime, str, str, str, str, int | None, int | None, str]


def _frames(now: datetime, rows: int) -> list[Frame]:
    """(time, direction, type, action, unique_id, connector, transaction, text) of ``rows`` frames."""
    # A CALL then its answer; station CALLs mostly MeterValues, as in a charging station's day.
    station_calls = ["MeterValues"] * 12 + ["Heartbeat"] * 3 + ["StatusNotification"] * 2 + ["Authorize"]
    station_calls += ["StartTransaction", "StopTransaction"]
    csms_calls = ["GetConfiguration", "TriggerMessage", "RemoteStartTransaction"]
    start = now - timedelta(seconds=rows)
    out: list[Frame] = []
    rare_at, rare_done = rows // 10, False
    for pair, action in zip(itertools.count(), itertools.cycle([*station_calls, *csms_calls]), strict=False):
        if len(out) >= rows:
            break
        when = start + timedelta(seconds=len(out))
        unique_id = str(uuid.uuid4())
        tx = TX_ID + pair // 400
        connector = 1 + pair % 2
        answer: dict[str, Any] = {}
        if action == "MeterValues":
            payload: dict[str, Any] = meter_payload(pair, when)
            payload["transactionId"] = tx
        elif action == "Heartbeat":
            payload, answer = {}, {"currentTime": when.isoformat()}
        elif action == "StatusNotification":
            payload = {"connectorId": connector, "errorCode": "NoError", "status": "Charging"}
        elif action in ("Authorize", "StartTransaction", "StopTransaction"):
            tag = f"TAG-{pair % 500:04d}"
            if action == "Authorize" and len(out) >= rare_at and not rare_done:
                tag, rare_done = RARE_TAG, True
            payload = {"idTag": tag}
            if action == "StartTransaction":
                payload |= {"connectorId": connector, "meterStart": 0, "timestamp": when.isoformat()}
                answer = {"transactionId": tx}
            if action == "StopTransaction":
                payload = {"transactionId": tx, "meterStop": 12000, "timestamp": when.isoformat()}
            answer |= {"idTagInfo": {"status": "Accepted"}}
        elif action == "GetConfiguration":
            payload = {"key": ["HeartbeatInterval"]}
            answer = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "60"}]}
        elif action == "TriggerMessage":
            payload, answer = {"requestedMessage": "StatusNotification"}, {"status": "Accepted"}
        else:
            payload = {"idTag": f"TAG-{pair % 500:04d}", "connectorId": connector}
            answer = {"status": "Accepted"}
        from_station = action not in csms_calls
        call_dir, answer_dir = ("out", "in") if from_station else ("in", "out")
        conn = payload.get("connectorId")
        txid = payload.get("transactionId")
        call_text = json.dumps([2, unique_id, action, payload])
        out.append((when, call_dir, "CALL", action, unique_id, conn, txid, call_text))
        answered = when + timedelta(milliseconds=40)
        answer_text = json.dumps([3, unique_id, answer])
        out.append(
            (answered, answer_dir, "CALLRESULT", action, unique_id, None, answer.get("transactionId"), answer_text)
        )
    return out[:rows]


def prefill_trace(rows: int) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from station.models import TraceEntry

    frames = _frames(datetime.now(UTC), rows)
    with transaction.atomic():
        for offset in range(0, len(frames), 5000):
            TraceEntry.objects.bulk_create(
                TraceEntry(
                    time=when,
                    direction=direction,
                    message_type=message_type,
                    action=action,
                    unique_id=unique_id,
                    connector_id=connector,
                    transaction_id=tx,
                    payload=text,
                )
                for when, direction, message_type, action, unique_id, connector, tx, text in frames[
                    offset : offset + 5000
                ]
            )
    user = get_user_model().objects.create_user("bench-viewer", password=uuid.uuid4().hex)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    matching = {
        "action=MeterValues": sum(1 for f in frames if f[3] == "MeterValues"),
        "direction=in&action=RemoteStartTransaction": sum(
            1 for f in frames if f[3] == "RemoteStartTransaction" and f[1] == "in"
        ),
        f"text={RARE_TAG}": sum(1 for f in frames if RARE_TAG in f[7]),
    }
    return {"rows": rows, "session": session.session_key, "cookie": settings.SESSION_COOKIE_NAME, "matching": matching}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.prefill")
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("backlog").add_argument("--count", type=int, required=True)
    sub.add_parser("trace").add_argument("--rows", type=int, required=True)
    args = parser.parse_args(argv)
    _setup_django()
    result = prefill_backlog(args.count) if args.what == "backlog" else prefill_trace(args.rows)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
