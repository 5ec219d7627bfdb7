"""OCTT Core cases, end to end: module 08 (configuration), 09 (meter values), 16 (configuration keys,
non-happy) and 24 (data transfer).

``ocpp16-spec.md`` §5.2, §1.5 (GetConfiguration/ChangeConfiguration, MeterValues) and §1.7 (keys).
Meter samples: the simulator samples every second in the harness, the station reports every
``MeterValueSampleInterval`` s from the transaction start (``Sample.Periodic``) and every
``ClockAlignedDataInterval`` s on boundaries counted from midnight UTC (``Sample.Clock``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ocpp.v16 import call

from tests import csms as _csms
from tests.csms import Frame, TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    CP_ID,
    boot_accepted,
    calls,
    last_seq,
    parse_time,
    running_station,
    start_charging,
)

csms = _csms.csms
migrated_template = octt.migrated_template

#: The keys every Core station has (§1.7, after erratum 3.79), and those of the other profiles the demo supports.
REQUIRED_KEYS = {
    "Core": (
        "AuthorizeRemoteTxRequests",
        "ClockAlignedDataInterval",
        "ConnectionTimeOut",
        "ConnectorPhaseRotation",
        "GetConfigurationMaxKeys",
        "HeartbeatInterval",
        "LocalAuthorizeOffline",
        "LocalPreAuthorize",
        "MeterValuesAlignedData",
        "MeterValuesSampledData",
        "MeterValueSampleInterval",
        "NumberOfConnectors",
        "ResetRetries",
        "StopTransactionOnInvalidId",
        "StopTxnAlignedData",
        "StopTxnSampledData",
        "SupportedFeatureProfiles",
        "TransactionMessageAttempts",
        "TransactionMessageRetryInterval",
        "UnlockConnectorOnEVSideDisconnect",
    ),
    "LocalAuthListManagement": ("LocalAuthListEnabled", "LocalAuthListMaxLength", "SendLocalListMaxLength"),
    "SmartCharging": (
        "ChargeProfileMaxStackLevel",
        "ChargingScheduleAllowedChargingRateUnit",
        "ChargingScheduleMaxPeriods",
        "MaxChargingProfilesInstalled",
    ),
}
READ_ONLY = {"GetConfigurationMaxKeys", "NumberOfConnectors", "SupportedFeatureProfiles"}


async def configuration(
    csms: TestCentralSystem, keys: list[str] | None = None
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """GetConfiguration: ({key: {readonly, value}}, unknownKey)."""
    result = await csms.call(CP_ID, call.GetConfiguration(key=keys) if keys else call.GetConfiguration())
    known = {entry["key"]: entry for entry in result.configuration_key or []}
    return known, list(result.unknown_key or [])


# --------------------------------------------------------------------------------------- module 08


async def test_it_tc_019_retrieve_configuration(tmp_path, csms: TestCentralSystem, migrated_template):
    csms.default_boot_answer = _csms.BootAnswer("Accepted", interval=120)
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        everything, unknown = await configuration(csms)
        assert unknown == []
        for profile, keys in REQUIRED_KEYS.items():
            missing = [key for key in keys if key not in everything]
            assert missing == [], f"{profile} keys missing from GetConfiguration: {missing}"
        for key, entry in everything.items():
            assert isinstance(entry["readonly"], bool), entry
            if key != "AuthorizationKey":
                assert isinstance(entry.get("value"), str), entry
        assert "value" not in everything.get("AuthorizationKey", {}), "AuthorizationKey must never be disclosed"
        for key in READ_ONLY:
            assert everything[key]["readonly"] is True, key

        asked = ["SupportedFeatureProfiles", "GetConfigurationMaxKeys", "HeartbeatInterval", "NumberOfConnectors"]
        specific, unknown = await configuration(csms, [*asked, "NoSuchKeyXyz"])
        assert sorted(specific) == sorted(asked)
        assert unknown == ["NoSuchKeyXyz"]
        assert specific["SupportedFeatureProfiles"]["value"] == octt.DEMO_CONFIG["Core"]["SupportedFeatureProfiles"]
        assert specific["GetConfigurationMaxKeys"]["value"] == "100"
        assert specific["NumberOfConnectors"]["value"] == "2"
        assert specific["HeartbeatInterval"] == {"key": "HeartbeatInterval", "readonly": False, "value": "120"}


async def test_it_tc_021_change_set_configuration(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        result = await csms.call(CP_ID, call.ChangeConfiguration(key="MeterValueSampleInterval", value="30"))
        assert result.status == "Accepted"
        known, _ = await configuration(csms, ["MeterValueSampleInterval"])
        assert known["MeterValueSampleInterval"]["value"] == "30"


# --------------------------------------------------------------------------------------- module 16


async def test_it_tc_040_1_configuration_key_not_supported(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        result = await csms.call(CP_ID, call.ChangeConfiguration(key="NoSuchKeyXyz", value="1"))
        assert result.status == "NotSupported"
        _, unknown = await configuration(csms, ["NoSuchKeyXyz"])
        assert unknown == ["NoSuchKeyXyz"]


async def test_it_tc_040_2_configuration_key_invalid_value(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        for key, value in (
            ("MeterValueSampleInterval", "-1"),
            ("MeterValueSampleInterval", "abc"),
            ("LocalPreAuthorize", "maybe"),
            ("MeterValuesSampledData", "Energy.Active.Import.Register,NotAMeasurand"),
            ("NumberOfConnectors", "3"),  # read-only
        ):
            result = await csms.call(CP_ID, call.ChangeConfiguration(key=key, value=value))
            assert result.status == "Rejected", (key, value, result.status)
        known, _ = await configuration(
            csms, ["MeterValueSampleInterval", "LocalPreAuthorize", "MeterValuesSampledData", "NumberOfConnectors"]
        )
        assert known["MeterValueSampleInterval"]["value"] == "10"
        assert known["LocalPreAuthorize"]["value"] == "false"
        assert known["MeterValuesSampledData"]["value"] == octt.DEMO_CONFIG["Core"]["MeterValuesSampledData"]
        assert known["NumberOfConnectors"]["value"] == "2"


# --------------------------------------------------------------------------------------- module 24


async def test_it_tc_062_data_transfer_to_charge_point(tmp_path, csms: TestCentralSystem, migrated_template):
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        result = await csms.call(
            CP_ID, call.DataTransfer(vendor_id="org.example.unknown", message_id="Anything", data="{}")
        )
        assert result.status == "UnknownVendorId"
        assert result.data is None
        answer = await csms.wait_for("DataTransfer", message_type=3)  # a CALLRESULT, not a CALLERROR
        assert answer.payload == {"status": "UnknownVendorId"}


# --------------------------------------------------------------------------------------- module 09


def sampled_values(frame: Frame) -> list[dict[str, Any]]:
    return [value for meter_value in frame.payload["meterValue"] for value in meter_value["sampledValue"]]


def meter_time(frame: Frame) -> datetime:
    (meter_value,) = frame.payload["meterValue"]
    return parse_time(meter_value["timestamp"])


def measurands(frame: Frame) -> set[str]:
    return {value.get("measurand", "Energy.Active.Import.Register") for value in sampled_values(frame)}


async def meter_values(
    csms: TestCentralSystem,
    connector: int,
    context: str,
    count: int,
    *,
    after: int,
    timeout: float,  # noqa: ASYNC109
) -> list[Frame]:
    """The next ``count`` MeterValues of ``connector`` with values of ``context``."""
    frames = []
    for _ in range(count):
        frames.append(
            await csms.wait_frame(
                lambda f: (
                    f.action == "MeterValues"
                    and f.message_type == 2
                    and f.seq > after
                    and f.payload["connectorId"] == connector
                    and any(v.get("context", "Sample.Periodic") == context for v in sampled_values(f))
                ),
                timeout=timeout,
            )
        )
    return frames


async def test_it_tc_070_sampled_meter_values(tmp_path, csms: TestCentralSystem, migrated_template):
    interval = 2
    overrides = {
        "Core": {
            "MeterValueSampleInterval": interval,
            "ClockAlignedDataInterval": 0,
            "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import,SoC",
        }
    }
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        known, _ = await configuration(csms, ["MeterValuesSampledData"])
        configured = set(known["MeterValuesSampledData"]["value"].split(","))
        charging = await start_charging(station, csms)
        started = parse_time(charging.start.payload["timestamp"])
        frames = await meter_values(csms, 1, "Sample.Periodic", 3, after=charging.start.seq, timeout=3 * interval + 5)

        times = [meter_time(f) for f in frames]
        assert abs((times[0] - started).total_seconds() - interval) <= 1, (started, times)
        for earlier, later in zip(times, times[1:], strict=False):
            assert abs((later - earlier).total_seconds() - interval) <= 1, times
        for frame in frames:
            assert frame.payload["transactionId"] == charging.transaction_id
            assert measurands(frame) == configured, frame.payload
            for value in sampled_values(frame):
                assert value.get("context", "Sample.Periodic") == "Sample.Periodic", value
                assert value.get("format", "Raw") == "Raw", value
                if value.get("measurand") == "SoC":
                    assert value.get("location") == "EV", value
                else:
                    assert value.get("location", "Outlet") != "EV", value
        assert [
            f for f in calls(csms, "MeterValues") if any(v.get("context") == "Sample.Clock" for v in sampled_values(f))
        ] == []


async def test_it_tc_071_clock_aligned_meter_values(tmp_path, csms: TestCentralSystem, migrated_template):
    interval = 2
    overrides = {
        "Core": {
            "MeterValueSampleInterval": 0,
            "ClockAlignedDataInterval": interval,
            "MeterValuesAlignedData": "Energy.Active.Import.Register,Power.Active.Import",
        }
    }
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        known, _ = await configuration(csms, ["MeterValuesAlignedData"])
        configured = set(known["MeterValuesAlignedData"]["value"].split(","))
        charging = await start_charging(station, csms)
        mark = last_seq(csms)
        frames = await meter_values(csms, 1, "Sample.Clock", 3, after=mark, timeout=3 * interval + 5)

        times = [meter_time(f) for f in frames]
        for at in times:
            since_midnight = at - at.replace(hour=0, minute=0, second=0, microsecond=0)
            off = since_midnight % timedelta(seconds=interval)
            assert min(off, timedelta(seconds=interval) - off) <= timedelta(milliseconds=500), at
        for earlier, later in zip(times, times[1:], strict=False):
            assert round((later - earlier).total_seconds()) == interval, times
        for frame in frames:
            assert frame.payload.get("transactionId") == charging.transaction_id
            assert measurands(frame) == configured, frame.payload
            for value in sampled_values(frame):
                assert value["context"] == "Sample.Clock", value
                assert value.get("format", "Raw") == "Raw", value
        periodic = [
            f
            for f in calls(csms, "MeterValues")
            if any(v.get("context", "Sample.Periodic") == "Sample.Periodic" for v in sampled_values(f))
        ]
        assert periodic == [], "MeterValueSampleInterval=0: no sampled meter values"
