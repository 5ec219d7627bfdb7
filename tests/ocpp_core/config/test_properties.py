from __future__ import annotations

import json
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from ocpp_core.config import KEYS, SECTIONS, ConfigRegistry, ValueType
from ocpp_core.errors import ConfigError
from tests.ocpp_core.config import CONTROL_API_EXAMPLE, FULL_CONFIG

NAMES = [k.name for k in KEYS] + [
    "DefaultPriceText,en",
    "DefaultPriceText,de",
    "DefaultPriceText,fr",
    "MeterPublicKey[1]",
    "MeterPublicKey[9]",
    "ExampleConfigurationKey",
    "ExampleNumber",
    "ExampleFlag",
]

INTERESTING = [
    "true",
    "FALSE",
    "0",
    "1",
    "2",
    "3",
    "-1",
    "60",
    "86400",
    "99999999999",
    "1.5",
    "",
    " ",
    "Core",
    "Energy.Active.Import.Register",
    "Voltage.L1,SoC",
    "RPM",
    "0.RST,1.RTS",
    "+01:00",
    "2030-01-01T00:00:00Z",
    "en",
    '{"priceText": "p"}',
    '{"priceText": "p", "chargingPrice": {"kWhPrice": 0.3}}',
    "4F43415F4F4354545F61646D696E5F74657374",
    "0123456789abcdef0123",
    "TxProfile,TxDefaultProfile",
    "DE",
    "DE*PNX*100001",
]

keys = st.one_of(
    st.sampled_from(NAMES).flatmap(lambda name: st.sampled_from([name, name.lower(), name.upper()])),
    st.text(max_size=60),
)
values = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=80), st.integers().map(str))

_BY_NAME = {k.name: k for k in KEYS}


def _plausible(name: str) -> st.SearchStrategy[str]:
    """Values of the right type for ``name``, so that many changes are accepted."""
    kind = _BY_NAME[name].type if name in _BY_NAME else None
    if kind is ValueType.BOOLEAN:
        return st.sampled_from(["true", "false", "True", "FALSE"])
    if kind is ValueType.INTEGER:
        return st.integers(-2, 200_000).map(str)
    if kind is ValueType.DECIMAL:
        return st.decimals(min_value=-1, max_value=10_000, places=2).map(str)
    return st.sampled_from(INTERESTING)


changes = st.one_of(
    st.tuples(keys, values),
    st.sampled_from(NAMES).flatmap(lambda name: st.tuples(st.just(name), _plausible(name))),
)
configs = st.sampled_from([CONTROL_API_EXAMPLE, FULL_CONFIG])


def _snapshot(cfg: ConfigRegistry):
    return cfg.to_json(), cfg.get_configuration(None), cfg.basic_auth_password()


@settings(max_examples=400, deadline=None)
@given(configs, st.lists(changes, min_size=1, max_size=4))
def test_it_never_raises_on_change_and_changes_nothing_unless_accepted(data, steps):
    cfg = ConfigRegistry.from_json(data)
    overlay: dict[str, dict[str, Any]] = {}
    for key, value in steps:
        before = _snapshot(cfg)
        result = cfg.change_configuration(key, value)
        assert result.status in ("Accepted", "Rejected", "RebootRequired", "NotSupported")
        event(result.status)
        if result.status in ("Rejected", "NotSupported"):
            assert result.reason
            assert _snapshot(cfg) == before
        else:
            assert result.key is not None and result.section is not None
            json.dumps(result.persist_value)  # JSON-able
            overlay.setdefault(result.section, {})[result.key] = result.persist_value
    # What was persisted restores the same configuration.
    again = ConfigRegistry.from_json(data, overlay)
    assert again.warnings == ()
    assert again.to_json() == cfg.to_json()


@settings(max_examples=200, deadline=None)
@given(configs, st.lists(keys, max_size=6))
def test_it_never_raises_on_get_configuration(data, requested):
    known, unknown = ConfigRegistry.from_json(data).get_configuration(requested)
    assert set(unknown) <= set(requested)
    for entry in known:
        assert set(entry) <= {"key", "readonly", "value"}
        assert isinstance(entry.get("value", ""), str)
        assert entry["key"] != "AuthorizationKey" or "value" not in entry


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    configs,
    st.sampled_from([*{k.section for k in KEYS}, "Custom", "Bogus"]),
    st.sampled_from(NAMES) | st.text(max_size=20),
    json_values,
)
def test_it_only_raises_config_error_on_any_file(data, section, key, value):
    mutated = json.loads(json.dumps(data))
    mutated.setdefault(section, {})[key] = value
    try:
        cfg = ConfigRegistry.from_json(mutated)
    except ConfigError as error:
        assert error.key.split(".")[0] in (*SECTIONS, section)
        assert str(error).startswith(f"{error.key}: ")
    else:
        assert ConfigRegistry.from_json(cfg.to_json()).to_json() == cfg.to_json()
