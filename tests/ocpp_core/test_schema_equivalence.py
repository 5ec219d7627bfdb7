"""Our generated schemas are the official OCPP 1.6 (2019) and Security Whitepaper schemas.

The official schema files are read here, at test time, from the installed ``ocpp`` package (a test-only
dependency); nothing of them is copied into the repository.

Normalisation applied to both sides before comparing (every step leaves the set of accepted payloads
unchanged, except the last, which is our one intended deviation):

1. ``$ref`` to ``#/definitions/X`` is replaced by the definition (the Whitepaper files use
   definitions, the 2019 files inline everything);
2. annotation keys are dropped: ``$schema``, ``$id``, ``id``, ``title``, ``description``, ``$comment``,
   ``comment``, ``javaType`` and the (now inlined) ``definitions``;
3. ``additionalProperties`` is dropped from schemas whose type is not ``object`` (the official files put
   it on enum strings, where it has no effect);
4. ``additionalItems`` is dropped where ``items`` is a single schema (it has no effect then);
5. an ``object`` schema without ``properties`` gets ``"properties": {}`` (no properties either way);
6. ``required`` lists are sorted (a set: order is meaningless);
7. ``Hertz`` is removed from the official ``unit`` enum: the ``ocpp`` package adds it to MeterValues,
   but it is not in the official 2019 schemas nor an OCPP 1.6 unit (frequency is implicitly Hz).

Enum lists are compared in order: ours list the members in the official order.

This module also provides the generator of official-schema payloads shared by ``test_validation`` and
``test_wire``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import hypothesis_jsonschema._from_schema as _hjs_from_schema
import ocpp
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import utils as _conjecture_utils
from hypothesis_jsonschema import from_schema

from ocpp_core.enums import Action
from ocpp_core.messages import ACTIONS
from ocpp_core.schema import DRAFT_04, KINDS, all_schemas, object_schema, schema_for

OFFICIAL_DIR = Path(ocpp.__file__).parent / "v16" / "schemas"
ALL = [(action, kind) for action in ACTIONS for kind in KINDS]
IDS = [f"{action}-{kind}" for action, kind in ALL]

# Fast enough for the whole differential suite in well under a minute on 2 cores. No shrinking: a
# failure names the mutation and prints the payload, and shrinking these payloads takes minutes.
FAST = settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


# --- hypothesis-jsonschema compatibility ---------------------------------------------------------------
# hypothesis-jsonschema 0.23.1 drives ``hypothesis.internal.conjecture.utils.many`` through its old
# ``more()`` method; the pinned Hypothesis replaced it with a context manager that is iterated. This
# adapter offers the old method on top of the new protocol, for hypothesis-jsonschema only.


class _ManyWithMore:
    def __init__(self, data: Any, **kwargs: Any) -> None:
        self._many = _conjecture_utils.many(data, **kwargs)
        self._many.__enter__()
        self._elements = iter(self._many)

    def more(self) -> bool:
        try:
            next(self._elements)
        except StopIteration:
            self._many.__exit__(None, None, None)
            return False
        return True

    def reject(self, why: str | None = None) -> None:
        self._many.reject(why)


if not hasattr(_conjecture_utils.many, "more"):
    _hjs_from_schema.cu = SimpleNamespace(many=_ManyWithMore)  # type: ignore[attr-defined,assignment]


# --- official schemas ----------------------------------------------------------------------------------


def official_path(action: str, kind: str) -> Path:
    return OFFICIAL_DIR / f"{action}{'' if kind == 'request' else 'Response'}.json"


@functools.cache
def _official_text(action: str, kind: str) -> str:
    return official_path(action, kind).read_text(encoding="utf-8")


def official_schema(action: str, kind: str) -> dict[str, Any]:
    """A fresh copy of the official schema, as the ``ocpp`` package ships it."""
    schema: dict[str, Any] = json.loads(_official_text(action, kind))
    return schema


def without_hertz(node: Any) -> Any:
    """``node`` without the ``Hertz`` unit the ``ocpp`` package adds (step 7 of the normalisation)."""
    if isinstance(node, dict):
        return {key: without_hertz(value) for key, value in node.items()}
    if isinstance(node, list):
        return [without_hertz(item) for item in node if item != "Hertz"]
    return node


def reference_schema(action: str, kind: str) -> dict[str, Any]:
    """The official 2019 / Whitepaper schema: the ``ocpp`` package's file without ``Hertz``."""
    schema: dict[str, Any] = without_hertz(official_schema(action, kind))
    return schema


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The official schema with ``#/definitions`` references replaced by their targets."""
    definitions = schema.get("definitions", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[1]])
            return {key: inline(value) for key, value in node.items() if key not in ("definitions", "$id")}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    inlined: dict[str, Any] = inline(schema)
    return inlined


_ANNOTATIONS = {"$schema", "$id", "id", "title", "description", "$comment", "comment", "javaType", "definitions"}


def normalise(schema: dict[str, Any]) -> dict[str, Any]:
    """The normalisation described in the module docstring."""

    def walk(node: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _ANNOTATIONS:
                continue
            if key == "properties":
                out[key] = {name: walk(sub) for name, sub in value.items()}
            elif key == "items":
                out[key] = walk(value)
            elif key == "required":
                out[key] = sorted(value)
            elif key == "enum":
                out[key] = without_hertz(value)
            else:
                out[key] = value
        if out.get("type") != "object":
            out.pop("additionalProperties", None)
        if isinstance(out.get("items"), dict):
            out.pop("additionalItems", None)
        if out.get("type") == "object":
            out.setdefault("properties", {})
        return out

    return walk(inline_refs(schema))


@functools.cache
def official_payloads(action: str, kind: str) -> st.SearchStrategy[Any]:
    """Payloads valid for the official schema (without ``Hertz``), generated by hypothesis-jsonschema.

    hypothesis-jsonschema does not resolve ``$ref`` against the Whitepaper files' ``urn:`` ``$id``, so it
    is given the schema with references inlined (the same schema).
    """
    return from_schema(inline_refs(reference_schema(action, kind)))


# --- tests ---------------------------------------------------------------------------------------------


def test_it_has_one_official_schema_per_action_and_kind():
    assert len(ALL) == 78
    assert sorted(path.name for path in OFFICIAL_DIR.glob("*.json")) == sorted(
        official_path(action, kind).name for action, kind in ALL
    )


@pytest.mark.parametrize(("action", "kind"), ALL, ids=IDS)
def test_it_generates_the_official_schema(action, kind):
    assert normalise(schema_for(action, kind)) == normalise(official_schema(action, kind))


@pytest.mark.parametrize("action", ["MeterValues", "StopTransaction"])
def test_it_has_no_hertz_unit_where_the_ocpp_package_differs_from_the_official_set(action):
    def units(schema):
        values = schema["properties"]["meterValue" if action == "MeterValues" else "transactionData"]
        return values["items"]["properties"]["sampledValue"]["items"]["properties"]["unit"]["enum"]

    ours = units(schema_for(action, "request"))
    assert "Hertz" not in ours
    assert {"Celsius", "Celcius"} <= set(ours)
    # The only difference the normalisation hides is this package's extra unit.
    assert [unit for unit in units(official_schema(action, "request")) if unit != "Hertz"] == ours


def test_it_normalises_only_what_it_documents():
    official = official_schema("GetInstalledCertificateIds", "response")
    normalised = normalise(official)
    items = normalised["properties"]["certificateHashData"]["items"]
    assert "javaType" not in items and "additionalItems" not in normalised["properties"]["certificateHashData"]
    assert items["required"] == sorted(["hashAlgorithm", "issuerNameHash", "issuerKeyHash", "serialNumber"])
    assert normalise(official_schema("SecurityEventNotification", "response")) == {
        "type": "object",
        "additionalProperties": False,
        "properties": {},
    }


def test_it_builds_draft_04_schemas_with_a_title():
    schemas = all_schemas()
    assert len(schemas) == 78
    schema = schemas[(Action.BOOT_NOTIFICATION, "request")]
    assert schema["$schema"] == DRAFT_04
    assert schema["title"] == "BootNotificationRequest"
    assert schema["required"] == ["chargePointVendor", "chargePointModel"]
    assert "required" not in schemas[(Action.HEARTBEAT, "request")]


def test_it_returns_a_fresh_schema_each_time():
    first = schema_for("Authorize", "request")
    first["properties"]["idTag"]["maxLength"] = 1
    assert schema_for("Authorize", "request")["properties"]["idTag"]["maxLength"] == 20


def test_it_writes_multiple_of_as_a_json_number():
    schema = schema_for("SetChargingProfile", "request")
    period = schema["properties"]["csChargingProfiles"]["properties"]["chargingSchedule"]["properties"]
    assert period["minChargingRate"] == {"type": "number", "multipleOf": 0.1}
    assert json.loads(json.dumps(schema)) == schema


def test_it_rejects_an_unknown_constraint_marker():
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Odd:
        key: Annotated[str, "not a marker"]

    with pytest.raises(TypeError, match="not a schema constraint marker"):
        object_schema(Odd)


def test_it_raises_key_error_for_an_unknown_action():
    with pytest.raises(KeyError):
        schema_for("NoSuchAction", "request")
