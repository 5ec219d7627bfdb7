"""The processes a benchmark runs: the bench central system, the charge points, ``runstation``.

Everything here is the parent's side. Each peer runs in its own process (``peers.md`` §1.5):
:class:`CsmsProcess` (``bench/csms.py``, driven line by line over its stdin/stdout),
:func:`run_json` for a one-shot process that prints one JSON line, and :class:`StationProcess` for
``manage.py runstation`` with its own data dir (a copy of a database migrated once per bench run,
:func:`migrated_template`), config file and HTTP port. Waiting is bounded everywhere: a hung
peer fails the benchmark with a :class:`BenchError` naming what did not happen, it never hangs
``make bench``.
"""

from __future__ import annotations

import contextlib
import copy
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "API_TOKEN",
    "CP_ID",
    "ROOT",
    "BenchError",
    "CsmsProcess",
    "StationProcess",
    "cpu_seconds",
    "free_port",
    "fresh_data_dir",
    "migrated_template",
    "rss_kib",
    "run_json",
    "spawned",
    "station_config",
    "station_env",
]

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: Environment variables of the caller's shell that would change what a station does.
_STATION_VARIABLES = ("STATION_DATA_DIR", "STATION_API_TOKEN", "DATABASE_URL", "STATION_CHANNEL_LAYER", "REDIS_URL")
API_TOKEN = "bench-token"
CP_ID = "CP-BENCH-1"


class BenchError(RuntimeError):
    """A benchmark could not be carried out (a peer failed or did not answer in time)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of process ``pid`` in KiB, from ``/proc`` (Linux)."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads) so far, from ``/proc`` (Linux)."""
    # Field 2 (the command) may hold spaces: split after its closing parenthesis.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _lines(stream: IO[str], sink: queue.Queue[str | None]) -> None:
    for line in stream:
        sink.put(line)
    sink.put(None)


def run_json(args: list[str], *, timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python args`` to completion; its last stdout line is the JSON result."""
    try:
        done = subprocess.run(
            [PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{' '.join(args)}: no result within {timeout} s") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BenchError(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


class CsmsProcess:
    """``python -m bench.csms``: start it, send it commands, stop it."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "bench.csms"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self.proc.stdout is not None
        self._answers: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_lines, args=(self.proc.stdout, self._answers), daemon=True).start()
        self.port = int(self._read(30)["port"])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp/"

    def _read(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._answers.get(timeout=timeout)
        except queue.Empty:
            raise BenchError(f"the bench central system did not answer within {timeout} s") from None
        if line is None:
            stderr = self.proc.stderr.read() if self.proc.stderr is not None else ""
            raise BenchError(f"the bench central system exited:\n{stderr[-3000:]}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def command(self, cmd: str, *, wait: float = 60, **args: Any) -> dict[str, Any]:
        """Send command ``cmd`` with ``args`` and wait up to ``wait`` s for its answer.

        ``BenchError`` if there is none or it reports ``ok: false``.
        """
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        answer = self._read(wait)
        if answer.get("ok") is False:
            raise BenchError(f"central system, {cmd}: {answer.get('error')}")
        return answer

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                assert self.proc.stdin is not None
                self.proc.stdin.write('{"cmd": "quit"}\n')
                self.proc.stdin.flush()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()

    def __enter__(self) -> CsmsProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def station_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a station (or Django helper) process using ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if k not in _STATION_VARIABLES}
    return {**env, "STATION_DATA_DIR": str(data_dir), "STATION_API_TOKEN": API_TOKEN, "PYTHONUNBUFFERED": "1", **extra}


def migrated_template(work: Path) -> Path:
    """A data dir with a migrated SQLite database, made once per bench run and copied by each station."""
    data_dir = work / "template-data"
    if not (data_dir / "station.sqlite3").is_file():
        done = subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=station_env(data_dir),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"manage.py migrate failed:\n{done.stderr[-3000:]}")
    return data_dir


def fresh_data_dir(work: Path, name: str) -> Path:
    data_dir = work / name
    if data_dir.exists():
        shutil.rmtree(data_dir)
    shutil.copytree(migrated_template(work), data_dir)
    return data_dir


def station_config(csms_url: str | None, **internal: Any) -> dict[str, Any]:
    """The demo configuration pointed at ``csms_url`` (``None``: no central system), reconnecting fast."""
    config: dict[str, Any] = copy.deepcopy(json.loads((ROOT / "fixtures" / "demo-config.json").read_text()))
    config["Internal"].update(ChargePointId=CP_ID, RetryBackoffRandomRange=0, RetryBackoffRepeatTimes=0)
    config["Internal"]["RetryBackoffWaitMinimum"] = 0
    if csms_url is not None:
        config["Internal"]["CentralSystemURI"] = csms_url
    config["Internal"].update(internal)
    return config


class StationProcess:
    """``manage.py runstation`` on its own data dir and port; output to a log file."""

    def __init__(self, data_dir: Path, config: dict[str, Any], *, profile_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        config_path = data_dir / "bench-config.json"
        config_path.write_text(json.dumps(config))
        self.log_path = data_dir / "station.log"
        self._log = self.log_path.open("w")
        command = ["manage.py", "runstation", "--config", str(config_path), "--http", f"127.0.0.1:{self.port}"]
        if profile_dir is not None:
            # pyinstrument writes its report when the process ends normally (SIGTERM, see stop()).
            profile_dir.mkdir(parents=True, exist_ok=True)
            report = profile_dir / f"{data_dir.name}-{self.port}.txt"
            command = ["-m", "pyinstrument", "--renderer=text", f"--outfile={report}", *command]
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            [PYTHON, *command],
            cwd=ROOT,
            env=station_env(data_dir),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log_path.read_text()

    def _check_alive(self, what: str) -> None:
        if self.proc.poll() is not None:
            raise BenchError(
                f"runstation exited {self.proc.returncode} while waiting for {what}:\n{self.output()[-3000:]}"
            )

    def wait_http(self, timeout: float = 60) -> None:
        """Until the HTTP port accepts connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive("its HTTP port")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise BenchError(f"runstation: nothing listens on port {self.port} after {timeout} s")

    def get(self, path: str, *, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Authorization": f"Bearer {API_TOKEN}", **(headers or {})})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def wait_api(self, timeout: float = 60) -> dict[str, Any]:
        """Until ``GET /api/v1/station`` answers 200 (the station is built); its body."""
        self.wait_http(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive("the control API")
            status, body = self.get("/api/v1/station")
            if status == 200:
                answer: dict[str, Any] = json.loads(body)
                return answer
            time.sleep(0.05)
        raise BenchError(f"runstation: the control API did not answer 200 within {timeout} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> StationProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def spawned(args: list[str], *, ready_timeout: float = 30) -> Iterator[subprocess.Popen[str]]:
    """A long-running ``python args`` that prints one JSON line when ready; killed at the end."""
    proc = subprocess.Popen(
        [PYTHON, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        try:
            line = lines.get(timeout=ready_timeout)
        except queue.Empty:
            line = None
        if line is None:
            proc.kill()
            stderr = proc.stderr.read() if proc.stderr is not None else ""
            raise BenchError(f"{' '.join(args)} did not get ready:\n{stderr[-3000:]}")
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
