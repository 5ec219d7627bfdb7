"""Meter values: measurand lists, building from samples, timing, StopTransaction data and trimming."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpp_core import validation
from ocpp_core.datatypes import MeterValue, SampledValue, TransactionData
from ocpp_core.enums import Location, Measurand, Phase, ReadingContext, UnitOfMeasure
from ocpp_core.errors import LocalProtocolError
from ocpp_core.inputs import MeterReading, MeterSample
from ocpp_core.messages import MeterValuesRequest, StopTransactionRequest
from ocpp_core.metering import (
    MeasurandSpec,
    build_meter_value,
    energy_register_wh,
    next_clock_aligned,
    next_sample_time,
    parse_measurand_list,
    stop_transaction_data,
    trim_to_size,
)

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
EAIR = Measurand.ENERGY_ACTIVE_IMPORT_REGISTER
PERIODIC = ReadingContext.SAMPLE_PERIODIC
CLOCK = ReadingContext.SAMPLE_CLOCK
BEGIN = ReadingContext.TRANSACTION_BEGIN
END = ReadingContext.TRANSACTION_END


def reading(measurand, value, unit, phase=None, location="Outlet"):
    return MeterReading(measurand=measurand, value=Decimal(value), unit=unit, phase=phase, location=location)


def simulator_sample(connector_id=1, timestamp=T0, *, plugged=True):
    """A three-phase sample shaped like ``hardware.simulator``'s."""
    readings = [reading("Energy.Active.Import.Register", "12345.6", "Wh")]
    readings += [
        reading("Energy.Active.Import.Register", v, "Wh", p)
        for p, v in zip(["L1", "L2", "L3"], ("4115.2", "4115.2", "4115.2"), strict=True)
    ]
    readings += [reading("Power.Active.Import", "11040.0", "W")]
    readings += [reading("Power.Active.Import", "3680.0", "W", p) for p in ("L1", "L2", "L3")]
    readings += [reading("Current.Import", "16.00", "A", p) for p in ("L1", "L2", "L3")]
    readings += [
        reading("Voltage", v, "V", p) for p, v in zip(("L1", "L2", "L3"), ("229.7", "230.1", "229.8"), strict=True)
    ]
    readings += [reading("Frequency", "50.01", "", p, None) for p in ("L1", "L2", "L3")]
    readings += [reading("Current.Offered", "16.00", "A"), reading("Power.Offered", "11040.0", "W")]
    readings += [reading("Temperature", "31.6", "Celsius", location="Body")]
    if plugged:
        readings += [reading("SoC", "42.0", "Percent", location="EV")]
    return MeterSample(connector_id=connector_id, timestamp=timestamp, readings=tuple(readings))


def specs(text):
    return parse_measurand_list(text)


def wire_values(value):
    return validation.dump(MeterValuesRequest(connector_id=1, meter_value=(value,)))["meterValue"][0]["sampledValue"]


def assert_valid_meter_values(value, connector_id=1):
    payload = validation.dump(MeterValuesRequest(connector_id=connector_id, transaction_id=7, meter_value=(value,)))
    validation.validate("MeterValues", "request", payload)


# --- parse_measurand_list -----------------------------------------------------------------------------


def test_it_parses_measurands_with_and_without_phases():
    assert specs("Energy.Active.Import.Register,Voltage.L1, Current.Import.L2 ,Voltage.L1-N,SoC") == (
        MeasurandSpec(EAIR),
        MeasurandSpec(Measurand.VOLTAGE, Phase.L1),
        MeasurandSpec(Measurand.CURRENT_IMPORT, Phase.L2),
        MeasurandSpec(Measurand.VOLTAGE, Phase.L1_N),
        MeasurandSpec(Measurand.SOC),
    )


def test_it_tolerates_whitespace_and_empty_items_and_drops_duplicates():
    assert specs("") == ()
    assert specs("  ,  ") == ()
    assert specs(" Voltage ,\tSoC,, Voltage,") == (MeasurandSpec(Measurand.VOLTAGE), MeasurandSpec(Measurand.SOC))


def test_it_writes_specs_as_the_configuration_does():
    assert [str(s) for s in specs("Current.Import.L3,Frequency")] == ["Current.Import.L3", "Frequency"]


@pytest.mark.parametrize(
    "item", ["Volts", "Voltage.L4", "Voltage.", "voltage", "Energy.Active.Import", "Voltage.L1.L2", ".L1", "Hertz.L1"]
)
def test_it_rejects_unknown_measurands_naming_the_item(item):
    with pytest.raises(ValueError, match=repr(item).replace(".", r"\.")):
        parse_measurand_list(f"SoC, {item} ,Voltage")


# --- build_meter_value --------------------------------------------------------------------------------


def test_it_reports_the_default_measurand_for_an_empty_list():
    value = build_meter_value(simulator_sample(), (), PERIODIC, connector_id=1)
    assert value is not None
    assert value.timestamp == T0
    assert [(s.measurand, s.phase, s.value) for s in value.sampled_value] == [
        (EAIR, None, "12345.6"),
        (EAIR, Phase.L1, "4115.2"),
        (EAIR, Phase.L2, "4115.2"),
        (EAIR, Phase.L3, "4115.2"),
    ]


def test_it_reports_the_total_and_every_phase_of_a_measurand_without_phase():
    value = build_meter_value(
        simulator_sample(), specs("Power.Active.Import,Current.Import,Voltage"), PERIODIC, connector_id=1
    )
    assert value is not None
    assert [(str(s.measurand), s.phase and str(s.phase), s.unit) for s in value.sampled_value] == [
        ("Power.Active.Import", None, UnitOfMeasure.W),
        ("Power.Active.Import", "L1", UnitOfMeasure.W),
        ("Power.Active.Import", "L2", UnitOfMeasure.W),
        ("Power.Active.Import", "L3", UnitOfMeasure.W),
        ("Current.Import", "L1", UnitOfMeasure.A),
        ("Current.Import", "L2", UnitOfMeasure.A),
        ("Current.Import", "L3", UnitOfMeasure.A),
        ("Voltage", "L1", UnitOfMeasure.V),
        ("Voltage", "L2", UnitOfMeasure.V),
        ("Voltage", "L3", UnitOfMeasure.V),
    ]
    assert {s.location for s in value.sampled_value} == {Location.OUTLET}
    assert {s.context for s in value.sampled_value} == {PERIODIC}


def test_it_reports_only_the_configured_phase():
    value = build_meter_value(
        simulator_sample(), specs("Voltage.L2,Energy.Active.Import.Register.L3"), CLOCK, connector_id=1
    )
    assert value is not None
    assert [(s.measurand, s.phase, s.value, s.context) for s in value.sampled_value] == [
        (Measurand.VOLTAGE, Phase.L2, "230.1", CLOCK),
        (EAIR, Phase.L3, "4115.2", CLOCK),
    ]


def test_it_reports_a_reading_asked_for_twice_once():
    value = build_meter_value(simulator_sample(), specs("Voltage.L1,Voltage"), PERIODIC, connector_id=1)
    assert value is not None
    assert [s.phase for s in value.sampled_value] == [Phase.L1, Phase.L2, Phase.L3]


def test_it_reports_soc_at_the_ev_temperature_in_celsius_and_frequency_without_unit():
    value = build_meter_value(
        simulator_sample(), specs("SoC,Temperature,Frequency"), ReadingContext.TRIGGER, connector_id=1
    )
    assert value is not None
    assert wire_values(value) == [
        {"value": "42", "context": "Trigger", "measurand": "SoC", "location": "EV", "unit": "Percent"},
        {"value": "31.6", "context": "Trigger", "measurand": "Temperature", "location": "Body", "unit": "Celsius"},
        {"value": "50.01", "context": "Trigger", "measurand": "Frequency", "phase": "L1"},
        {"value": "50.01", "context": "Trigger", "measurand": "Frequency", "phase": "L2"},
        {"value": "50.01", "context": "Trigger", "measurand": "Frequency", "phase": "L3"},
    ]


def test_it_writes_the_schema_typo_celcius_as_celsius():
    sample = MeterSample(connector_id=1, timestamp=T0, readings=(reading("Temperature", "20", "Celcius"),))
    value = build_meter_value(sample, specs("Temperature"), PERIODIC, connector_id=1)
    assert value is not None
    assert value.sampled_value[0].unit is UnitOfMeasure.CELSIUS


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("12345", "12345"),
        ("12345.0", "12345"),
        ("1234.50", "1234.5"),
        ("1E+3", "1000"),
        ("1.23E-7", "0.000000123"),
        ("0.000", "0"),
        ("-0.0", "0"),
        ("-3.10", "-3.1"),
        ("12345678901234567890123456789012.5", "12345678901234567890123456789012.5"),
    ],
)
def test_it_writes_values_in_plain_decimal_notation(raw, text):
    sample = MeterSample(connector_id=1, timestamp=T0, readings=(reading("Energy.Active.Import.Register", raw, "Wh"),))
    value = build_meter_value(sample, (), PERIODIC, connector_id=1)
    assert value is not None
    assert value.sampled_value[0].value == text


def test_it_skips_readings_that_ocpp_16_cannot_carry():
    sample = MeterSample(
        connector_id=1,
        timestamp=T0,
        readings=(
            reading("Voltage", "NaN", "V", "L1"),
            reading("Voltage", "Infinity", "V", "L2"),
            reading("Voltage", "230", "mV", "L3"),
            reading("Voltage", "230", "V", "L4"),
            reading("Voltage", "230", "V", "N", location="Roof"),
            reading("Voltage", "231", "V", "N"),
            reading("Volts", "231", "V"),
        ),
    )
    value = build_meter_value(sample, specs("Voltage"), PERIODIC, connector_id=1)
    assert value is not None
    assert [(s.phase, s.value) for s in value.sampled_value] == [(Phase.N, "231")]


def test_it_returns_none_when_nothing_asked_for_was_measured():
    assert build_meter_value(simulator_sample(plugged=False), specs("SoC,RPM"), PERIODIC, connector_id=1) is None
    assert build_meter_value(simulator_sample(), specs("Current.Import.N"), PERIODIC, connector_id=1) is None
    empty = MeterSample(connector_id=2, timestamp=T0)
    assert build_meter_value(empty, (), PERIODIC, connector_id=2) is None


def test_it_refuses_another_connectors_sample():
    with pytest.raises(LocalProtocolError, match="connector 1 used for connector 2"):
        build_meter_value(simulator_sample(connector_id=1), (), PERIODIC, connector_id=2)


def test_it_stamps_the_value_with_the_sample_time_in_utc():
    local = datetime(2026, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    value = build_meter_value(simulator_sample(timestamp=local), (), PERIODIC, connector_id=1)
    assert value is not None
    assert value.timestamp == T0
    assert value.timestamp.tzinfo is UTC


def test_it_builds_meter_values_that_validate_for_every_measurand_and_context():
    every = ",".join(m.value for m in Measurand)
    for context in ReadingContext:
        value = build_meter_value(simulator_sample(), specs(every), context, connector_id=1)
        assert value is not None
        assert len(value.sampled_value) == len(simulator_sample().readings)
        assert_valid_meter_values(value)
        for item in wire_values(value):
            assert "format" not in item
            assert item["measurand"] and item["context"] == context.value


_SPEC_ITEMS = [m.value for m in Measurand] + [f"{m.value}.{p.value}" for m in Measurand for p in Phase]


@given(
    items=st.lists(st.sampled_from(_SPEC_ITEMS), max_size=8),
    context=st.sampled_from(list(ReadingContext)),
    plugged=st.booleans(),
)
def test_it_builds_only_valid_meter_values(items, context, plugged):
    value = build_meter_value(simulator_sample(plugged=plugged), specs(",".join(items)), context, connector_id=1)
    if value is not None:
        assert_valid_meter_values(value)
        wanted = specs(",".join(items)) or (MeasurandSpec(EAIR),)
        assert all(any(w.matches(s.measurand or EAIR, s.phase) for w in wanted) for s in value.sampled_value)


# --- energy_register_wh -------------------------------------------------------------------------------


def energy(*readings_):
    return MeterSample(connector_id=1, timestamp=T0, readings=tuple(readings_))


def test_it_gives_the_energy_register_total_in_wh():
    assert energy_register_wh(simulator_sample()) == 12346
    assert energy_register_wh(energy(reading("Energy.Active.Import.Register", "100.4", "Wh"))) == 100
    assert energy_register_wh(energy(reading("Energy.Active.Import.Register", "100.5", "Wh"))) == 101
    assert energy_register_wh(energy(reading("Energy.Active.Import.Register", "7", ""))) == 7


def test_it_converts_kwh_to_wh():
    assert energy_register_wh(energy(reading("Energy.Active.Import.Register", "12.3456", "kWh"))) == 12346
    assert energy_register_wh(energy(reading("Energy.Active.Import.Register", "0.0005", "kWh"))) == 1


def test_it_prefers_the_outlet_total():
    sample = energy(
        reading("Energy.Active.Import.Register", "5", "Wh", "L1"),
        reading("Energy.Active.Import.Register", "900", "Wh", location="Inlet"),
        reading("Energy.Active.Import.Register", "800", "Wh", location=None),
    )
    assert energy_register_wh(sample) == 800


@pytest.mark.parametrize(
    "sample",
    [
        energy(),
        energy(reading("Energy.Active.Import.Register", "5", "Wh", "L1")),
        energy(reading("Energy.Active.Export.Register", "5", "Wh")),
        energy(reading("Energy.Active.Import.Register", "5", "varh")),
        energy(reading("Energy.Active.Import.Register", "NaN", "Wh")),
    ],
)
def test_it_has_no_energy_register_without_a_usable_total(sample):
    assert energy_register_wh(sample) is None


# --- next_clock_aligned / next_sample_time ------------------------------------------------------------


def at(hour, minute=0, second=0, micro=0, day=1):
    return datetime(2026, 3, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "interval", "expected"),
    [
        (at(12, 7), 900, at(12, 15)),
        (at(12, 15), 900, at(12, 30)),
        (at(12, 14, 59, 999_999), 900, at(12, 15)),
        (at(12, 50), 900, at(13)),
        (at(23, 59, 30), 900, at(0, day=2)),
        (at(0), 900, at(0, 15)),
        (at(12, 0, 5), 20, at(12, 0, 20)),
        (at(12, 0, 41), 20, at(12, 1)),
        (at(20), 7 * 3600, at(21)),
        (at(21), 7 * 3600, at(0, day=2)),
        (at(23, 59), 7 * 3600, at(0, day=2)),
        (at(0, 0, 1), 7 * 3600, at(7)),
        (at(1), 86_400, at(0, day=2)),
        (at(1), 100_000, at(0, day=2)),
        (at(23, 59, 59), 1, at(0, day=2)),
    ],
)
def test_it_aligns_to_boundaries_counted_from_midnight(now, interval, expected):
    assert next_clock_aligned(now, interval) == expected


def test_it_has_no_clock_aligned_time_when_off():
    assert next_clock_aligned(T0, 0) is None
    assert next_clock_aligned(T0, -5) is None


def test_it_aligns_in_utc_whatever_the_zone_of_now():
    local = datetime(2026, 3, 2, 0, 50, tzinfo=timezone(timedelta(hours=2)))  # 22:50 UTC on the 1st
    boundary = next_clock_aligned(local, 3600)
    assert boundary == at(23)
    assert boundary is not None
    assert boundary.tzinfo is UTC
    assert next_clock_aligned(datetime(2026, 3, 1, 22, 50), 3600) == at(23)  # naive: UTC


_NOW = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@given(now=_NOW, interval=st.integers(min_value=1, max_value=200_000))
def test_it_always_gives_the_next_aligned_boundary(now, interval):
    boundary = next_clock_aligned(now, interval)
    assert boundary is not None
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    next_midnight = midnight + timedelta(days=1)
    assert now < boundary <= next_midnight
    assert boundary <= now + timedelta(seconds=interval) or boundary == next_midnight
    assert boundary == next_midnight or (boundary - midnight) % timedelta(seconds=interval) == timedelta(0)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0, T0 + timedelta(seconds=60)),
        (T0 + timedelta(seconds=1), T0 + timedelta(seconds=60)),
        (T0 + timedelta(seconds=60), T0 + timedelta(seconds=120)),
        (T0 + timedelta(seconds=119, microseconds=999_999), T0 + timedelta(seconds=120)),
        (T0 + timedelta(days=3, seconds=30), T0 + timedelta(days=3, seconds=60)),
        (T0 - timedelta(seconds=500), T0 + timedelta(seconds=60)),
    ],
)
def test_it_samples_every_interval_from_the_transaction_start(now, expected):
    assert next_sample_time(T0, now, 60) == expected


def test_it_keeps_the_sub_second_phase_of_the_transaction_start():
    start = T0 + timedelta(microseconds=250_000)
    assert next_sample_time(start, T0 + timedelta(seconds=10), 10) == start + timedelta(seconds=10)


def test_it_has_no_sample_time_when_off():
    assert next_sample_time(T0, T0, 0) is None
    assert next_sample_time(T0, T0, -1) is None


@given(
    offset_us=st.integers(min_value=-(10**9), max_value=10**12), interval=st.integers(min_value=1, max_value=100_000)
)
def test_it_always_gives_the_next_sample_time(offset_us, interval):
    now = T0 + timedelta(microseconds=offset_us)
    when = next_sample_time(T0, now, interval)
    assert when is not None
    assert when > now and when > T0
    assert (when - T0) % timedelta(seconds=interval) == timedelta(0)
    assert when - timedelta(seconds=interval) <= max(now, T0)


# --- stop_transaction_data ----------------------------------------------------------------------------


def sv(measurand=EAIR, context=PERIODIC, phase=None, value="1"):
    return SampledValue(value=value, context=context, measurand=measurand, phase=phase, unit=None)


def mv(minute, *samples):
    return MeterValue(timestamp=T0 + timedelta(minutes=minute), sampled_value=samples)


TX_VALUES = (
    mv(0, sv(context=BEGIN), sv(Measurand.SOC, BEGIN)),
    mv(1, sv(), sv(Measurand.VOLTAGE, phase=Phase.L1), sv(Measurand.VOLTAGE, phase=Phase.L2)),
    mv(15, sv(context=CLOCK), sv(Measurand.POWER_ACTIVE_IMPORT, CLOCK)),
    mv(16, sv(Measurand.SOC, ReadingContext.TRIGGER)),
    mv(17, SampledValue(value="2")),  # no context, no measurand: Sample.Periodic, Energy...Register
    mv(20, sv(context=END), sv(Measurand.SOC, END)),
)


def test_it_puts_no_meter_values_in_the_stop_when_both_lists_are_empty():
    assert stop_transaction_data(TX_VALUES, sampled=(), aligned=(), max_values=None) == ()


def test_it_filters_clock_aligned_values_by_the_aligned_list_and_the_rest_by_the_sampled_list():
    data = stop_transaction_data(TX_VALUES, sampled=specs("SoC"), aligned=specs("Power.Active.Import"), max_values=None)
    assert data == (
        mv(0, sv(Measurand.SOC, BEGIN)),
        mv(15, sv(Measurand.POWER_ACTIVE_IMPORT, CLOCK)),
        mv(16, sv(Measurand.SOC, ReadingContext.TRIGGER)),
        mv(20, sv(Measurand.SOC, END)),
    )


def test_it_takes_absent_context_and_measurand_as_their_defaults():
    data = stop_transaction_data(TX_VALUES, sampled=specs("Energy.Active.Import.Register"), aligned=(), max_values=None)
    assert [v.timestamp.minute for v in data] == [0, 1, 17, 20]
    assert data[2] is TX_VALUES[4]  # nothing filtered out: the same object
    assert data[3] == mv(20, sv(context=END))


def test_it_filters_by_phase_when_the_list_names_one():
    data = stop_transaction_data(TX_VALUES, sampled=specs("Voltage.L2"), aligned=specs("Voltage"), max_values=None)
    assert data == (mv(1, sv(Measurand.VOLTAGE, phase=Phase.L2)),)


def test_it_keeps_only_clock_aligned_values_with_only_the_aligned_list():
    data = stop_transaction_data(TX_VALUES, sampled=(), aligned=specs("Energy.Active.Import.Register"), max_values=None)
    assert data == (mv(15, sv(context=CLOCK)),)


def long_transaction(count):
    values = [mv(0, sv(context=BEGIN))]
    values += [mv(minute, sv(value=str(minute))) for minute in range(1, count - 1)]
    values.append(mv(count - 1, sv(context=END)))
    return tuple(values)


def test_it_caps_the_count_dropping_intermediates_evenly():
    values = long_transaction(12)
    data = stop_transaction_data(values, sampled=specs("Energy.Active.Import.Register"), aligned=(), max_values=5)
    assert [v.timestamp.minute for v in data] == [0, 2, 5, 8, 11]


def test_it_never_drops_the_first_the_last_or_transaction_begin_and_end():
    values = list(long_transaction(10))
    values[4] = mv(4, sv(context=END))  # a transaction that ended and went on (offline Begin/End pairs)
    both = specs("Energy.Active.Import.Register")
    for cap in (0, 1, 2, 3):
        data = stop_transaction_data(values, sampled=both, aligned=(), max_values=cap)
        assert [v.timestamp.minute for v in data] == [0, 4, 9]
    data = stop_transaction_data(values, sampled=both, aligned=(), max_values=4)
    assert [v.timestamp.minute for v in data] == [0, 4, 5, 9]


def test_it_keeps_everything_within_the_cap_or_without_one():
    values = long_transaction(6)
    both = specs("Energy.Active.Import.Register")
    assert stop_transaction_data(values, sampled=both, aligned=(), max_values=None) == values
    assert stop_transaction_data(values, sampled=both, aligned=(), max_values=6) == values
    assert stop_transaction_data(values[:2], sampled=both, aligned=(), max_values=0) == values[:2]


@given(count=st.integers(min_value=0, max_value=60), cap=st.integers(min_value=0, max_value=70))
def test_it_caps_to_the_limit_keeping_the_ends(count, cap):
    values = tuple(mv(minute, sv(value=str(minute))) for minute in range(count))
    data = stop_transaction_data(values, sampled=specs("Energy.Active.Import.Register"), aligned=(), max_values=cap)
    assert len(data) == min(count, max(cap, 2))
    assert [v for v in values if v in data] == list(data)
    if count:
        assert data[0] == values[0] and data[-1] == values[-1]


# --- trim_to_size -------------------------------------------------------------------------------------


def stop_payload(count, *, width=40):
    data = tuple(
        TransactionData(timestamp=T0 + timedelta(minutes=i), sampled_value=(sv(value=str(i) * width),))
        for i in range(count)
    )
    request = StopTransactionRequest(meter_stop=100, timestamp=T0, transaction_id=5, transaction_data=data or None)
    return validation.dump(request)


def size(payload):
    return len(json.dumps(payload, separators=(",", ":")))


def stamps(payload):
    return [entry["timestamp"] for entry in payload.get("transactionData", ())]


def test_it_trims_every_second_intermediate_until_the_payload_fits():
    payload = stop_payload(9)
    entry = size(stop_payload(2)) - size(stop_payload(1)) + 1  # one entry and its comma, roughly
    trimmed = trim_to_size(payload, size(payload) - 1)
    assert stamps(trimmed) == [stamps(payload)[i] for i in (0, 2, 4, 6, 8)]
    trimmed = trim_to_size(payload, size(stop_payload(5)) - entry)
    assert stamps(trimmed) == [stamps(payload)[i] for i in (0, 4, 8)]
    assert size(trimmed) <= size(stop_payload(5)) - entry
    validation.validate("StopTransaction", "request", trimmed)


def test_it_keeps_the_first_and_last_entries_even_when_too_large():
    payload = stop_payload(8)
    trimmed = trim_to_size(payload, 10)
    assert stamps(trimmed) == [stamps(payload)[0], stamps(payload)[-1]]


def test_it_leaves_a_payload_that_fits_alone_and_never_modifies_its_argument():
    payload = stop_payload(5)
    before = json.dumps(payload)
    assert trim_to_size(payload, size(payload)) == payload
    trim_to_size(payload, 10)
    assert json.dumps(payload) == before


def test_it_trims_nothing_without_transaction_data():
    payload = stop_payload(0)
    assert "transactionData" not in payload
    assert trim_to_size(payload, 10) == payload


def test_it_counts_bytes_of_utf8_and_decimals_as_numbers():
    payload = {"transactionData": [{"v": "é" * 10}, {"v": Decimal("1.5")}, {"v": "x"}]}
    assert trim_to_size(payload, 100) == payload
    assert len(trim_to_size(payload, 20)["transactionData"]) == 2
    with pytest.raises(TypeError, match="object is not JSON serialisable"):
        trim_to_size({"transactionData": [object(), 1, 2]}, 10)


@given(
    widths=st.lists(st.integers(min_value=1, max_value=30), max_size=40),
    budget=st.integers(min_value=0, max_value=4000),
    extra=st.integers(min_value=0, max_value=2000),
)
def test_it_trims_keeping_the_ends_and_monotone_in_size(widths, budget, extra):
    payload = validation.dump(
        StopTransactionRequest(
            meter_stop=1,
            timestamp=T0,
            transaction_id=1,
            transaction_data=tuple(
                TransactionData(timestamp=T0 + timedelta(seconds=i), sampled_value=(sv(value="9" * w),))
                for i, w in enumerate(widths)
            )
            or None,
        )
    )
    trimmed = trim_to_size(payload, budget)
    looser = trim_to_size(payload, budget + extra)
    original, kept = stamps(payload), stamps(trimmed)
    assert [s for s in original if s in kept] == kept  # a subsequence, in order
    if original:
        assert kept[0] == original[0] and kept[-1] == original[-1]
    assert size(trimmed) <= budget or len(kept) == min(len(original), 2)
    assert size(trimmed) <= size(payload)
    assert size(trimmed) <= size(looser) and len(kept) <= len(stamps(looser))
