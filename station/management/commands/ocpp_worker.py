"""``manage.py ocpp_worker``: the station without the web server, for the split deployment.

Runs :func:`station.runtime.run_station` under ``asyncio.run``. SIGTERM/SIGINT cancel it
(STACK.md §3b): exit 0. A crash is logged: exit 1. Settings (database, Redis channel layer) come
from the environment.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from station.management.commands.runstation import add_station_arguments, check_migrated, station_options
from station.runtime import RuntimeOptions, run_station

log = logging.getLogger("station.ocpp_worker")


async def run_until_signalled(options: RuntimeOptions) -> None:
    """``run_station`` until it ends or SIGTERM/SIGINT cancels it."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    log.info("running (config %s); SIGTERM or SIGINT stops", options.config_path)
    try:
        await run_station(options)
    except asyncio.CancelledError:
        log.info("stopped")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


class Command(BaseCommand):
    help = "Run the station's OCPP client without the web server (split deployment)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_station_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        runtime_options, _ = station_options(options)
        check_migrated()
        try:
            asyncio.run(run_until_signalled(runtime_options))
        except Exception:
            log.exception("the station crashed")
            raise SystemExit(1) from None
