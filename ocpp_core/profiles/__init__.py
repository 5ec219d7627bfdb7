"""Handlers of central-system CALLs, one module per feature profile, each with a ``HANDLERS`` dict."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ocpp_core.chargepoint import Handler

__all__ = ["all_handlers"]


def all_handlers() -> dict[str, Handler]:
    """Every handler of every profile module, by action."""
    from ocpp_core.profiles import core, firmware, local_auth, remote_trigger, reservation, smart_charging

    return {
        **core.HANDLERS,
        **remote_trigger.HANDLERS,
        **local_auth.HANDLERS,
        **smart_charging.HANDLERS,
        **reservation.HANDLERS,
        **firmware.HANDLERS,
    }
