"""``manage.py runstation``: the one-process station (CONTROL_API.md §1, STACK.md §3a).

daphne serves HTTP and browser websockets; the station (:func:`station.runtime.run_station`) runs
as a task on daphne's own asyncio loop, created when the reactor starts. SIGTERM/SIGINT stop the
reactor, which first cancels the task and waits for it: exit 0. If the task crashes, the error is
logged and the process exits 1.
"""

from __future__ import annotations

import asyncio
import json
import logging
from argparse import ArgumentParser, ArgumentTypeError
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from ocpp_core.config import ConfigRegistry
from ocpp_core.errors import ConfigError
from station.auth_token import ensure_api_token
from station.runtime import RuntimeOptions, effective_config, mark_starting, run_station

log = logging.getLogger("station.runstation")

DEFAULT_HTTP = "127.0.0.1:8000"


def http_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8000`` for IPv6) as ``(host, port)``; an argparse ``type``."""
    host, sep, port_text = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port_text.isdigit() or int(port_text) > 65535:
        raise ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. {DEFAULT_HTTP} or [::1]:8000)")
    return host, int(port_text)


def add_station_arguments(parser: ArgumentParser) -> None:
    """The options ``runstation`` and ``ocpp_worker`` share."""
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="libocpp-style config.json (default: fixtures/demo-config.json)",
    )
    parser.add_argument("--csms-url", default=None, metavar="URL", help="overrides Internal.CentralSystemURI")
    parser.add_argument(
        "--id", dest="charge_point_id", default=None, metavar="ID", help="overrides Internal.ChargePointId"
    )


def station_options(options: dict[str, Any]) -> tuple[RuntimeOptions, dict[str, Any]]:
    """The :class:`RuntimeOptions` and the parsed config file; ``CommandError`` (exit 2) if unusable."""
    path = (options["config"] or Path(settings.STATION_DEFAULT_CONFIG)).resolve()
    if not path.is_file():
        raise CommandError(f"--config {path}: no such file", returncode=2)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"--config {path}: not a readable JSON file ({exc})", returncode=2) from None
    if not isinstance(config, dict) or not all(isinstance(section, dict) for section in config.values()):
        raise CommandError(f"--config {path}: must be a JSON object of sections (objects)", returncode=2)
    for name in ("csms_url", "charge_point_id"):
        if options[name] is not None and not options[name].strip():
            raise CommandError(f"--{name.replace('_', '-')} must not be empty", returncode=2)
    runtime_options = RuntimeOptions(
        config_path=path, csms_url=options["csms_url"], charge_point_id=options["charge_point_id"]
    )
    check_config(runtime_options, config, path)
    return runtime_options, config


def check_config(runtime_options: RuntimeOptions, config: dict[str, Any], path: Path) -> None:
    """Refuse a config file that breaks a rule, naming the key, the value and the rule (exit 2)."""
    data = effective_config(runtime_options, config)
    try:
        ConfigRegistry.from_json(data)
    except ConfigError as exc:
        raise CommandError(f"--config {path}: {exc}", returncode=2) from None


def check_migrated() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("the database is not up to date: run `manage.py migrate` first", returncode=2)
    finally:
        connection.close()


async def run_with_demo_csms(options: RuntimeOptions) -> None:
    """``run_station`` with the demo central system beside it, on this loop."""
    from station.demo_csms import serve_demo_csms  # needs the `ocpp` package: imported only when used

    server, url = await serve_demo_csms("127.0.0.1", 0)
    try:
        await run_station(replace(options, demo_csms=url))
    finally:
        server.close()
        await server.wait_closed()


class Command(BaseCommand):
    help = "Run the station: the HTTP server (dashboard, control API) and the OCPP client in one process."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_station_arguments(parser)
        parser.add_argument(
            "--http",
            type=http_address,
            default=http_address(DEFAULT_HTTP),
            metavar="HOST:PORT",
            help=f"address of the HTTP server (default {DEFAULT_HTTP})",
        )
        parser.add_argument(
            "--demo-csms-if-unconfigured",
            action="store_true",
            help="start the demo central system on 127.0.0.1 when no central system URL is configured",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        runtime_options, config = station_options(options)
        host, port = options["http"]
        runtime_options = replace(runtime_options, http_host=host, http_port=port)
        demo = (
            options["demo_csms_if_unconfigured"]
            and not runtime_options.csms_url
            and not config.get("Internal", {}).get("CentralSystemURI")
        )
        check_migrated()
        token, created = ensure_api_token()
        if created:
            self.stdout.write(f"Control API token: {token}")
            self.stdout.flush()
        station = run_with_demo_csms(runtime_options) if demo else run_station(runtime_options)
        mark_starting()  # API requests arriving before the station is built wait for it
        if self.serve(host, port, station, verbosity=options["verbosity"]):
            raise SystemExit(1)

    def serve(self, host: str, port: int, station: Any, *, verbosity: int) -> bool:
        """Run daphne with ``station`` as a task on its loop until stopped; ``True`` if it failed."""
        from channels.routing import get_default_application
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server, twisted_loop  # the reactor is installed on twisted_loop
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
        from twisted.internet import defer
        from twisted.internet import reactor as twisted_reactor

        reactor: Any = twisted_reactor  # a module standing for the reactor: its stubs type it wrongly

        tasks: list[asyncio.Task[None]] = []
        failed: list[BaseException] = []

        def on_done(task: asyncio.Task[None]) -> None:
            if task.cancelled():
                return
            if (exc := task.exception()) is not None:
                log.error("the station crashed", exc_info=exc)
                failed.append(exc)
            else:
                log.warning("the station stopped by itself")
            if reactor.running:
                reactor.stop()

        def start_station() -> None:
            # The loop is set but not running yet: loop.create_task, not asyncio.create_task.
            task = twisted_loop.create_task(station, name="station")
            task.add_done_callback(on_done)
            tasks.append(task)

        def stop_station() -> Any:
            for task in tasks:
                task.cancel()
            if not tasks:
                return None
            # Returning a Deferred makes Twisted wait for the task before shutting down.
            return defer.Deferred.fromFuture(asyncio.ensure_future(asyncio.wait(tasks, timeout=10), loop=twisted_loop))

        def ready() -> None:
            for bound_host, bound_port in server.listening_addresses:
                shown = f"[{bound_host}]" if ":" in bound_host else bound_host
                self.stdout.write(f"Listening on http://{shown}:{bound_port}/")
            self.stdout.flush()

        reactor.callWhenRunning(start_station)
        reactor.addSystemEventTrigger("before", "shutdown", stop_station)
        server = Server(
            application=ASGIStaticFilesHandler(get_default_application()),
            endpoints=build_endpoint_description_strings(host=host, port=port),
            signal_handlers=True,
            application_close_timeout=10,
            ready_callable=ready,
            verbosity=verbosity,
        )
        server.run()
        if server.abort_start:
            station.close()  # never started: avoid "coroutine was never awaited"
            log.error("cannot listen on %s:%s", host, port)
            return True
        return bool(failed)
