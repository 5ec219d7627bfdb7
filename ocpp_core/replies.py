"""What a handler of a central-system CALL may return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["Deferred", "Reply"]

#: The typed response, or (response, run_after_reply): the callable runs once the response frame
#: is written, so what it sends follows the .conf (TriggerMessage, RemoteStart, Reset ...).
Reply = Any


@dataclass(frozen=True, slots=True)
class Deferred:
    """An answer that waits for the hardware.

    ``complete(result, now)`` returns the :data:`Reply` once
    ``ChargePoint.hardware_result(ref, result, now)`` arrives. No CALL of ours is sent meanwhile:
    the next frame after a CALL is its answer.
    """

    ref: str
    complete: Callable[[Any, datetime], Reply]
