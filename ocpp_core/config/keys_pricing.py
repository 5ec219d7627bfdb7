"""Keys of the ``CostAndPrice`` section (OCA "California Pricing Requirements" application note).

``DefaultPriceText`` is stored as one object ``{"priceTexts": [{"priceText", "priceTextOffline",
"language"}, ...]}`` and exposed per language as ``DefaultPriceText,<language>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ocpp_core.config.keys_model import Access, Exposure, KeyDef, Lookup, ValueType

__all__ = ["PRICING_KEYS", "price_text_rule"]

R, RW = Access.READ_ONLY, Access.READ_WRITE
BOOL, INT, STR, CSL, OBJ = (ValueType.BOOLEAN, ValueType.INTEGER, ValueType.STRING, ValueType.CSL, ValueType.OBJECT)

# "+HH:MM" or "-HH:MM"; the sign may be left out (libocpp's own example files do), meaning "+".
_OFFSET = re.compile(r"[+-]?([0-9]{2}):([0-9]{2})", re.ASCII)
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8})*", re.ASCII)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _time_offset(value: str, lookup: Lookup) -> str | None:
    match = _OFFSET.fullmatch(value)
    if match is None or int(match[1]) > 24 or int(match[2]) > 59:
        return "is not a time offset +HH:MM (hours 0..24, minutes 0..59)"
    return None


def _date_time(value: str, lookup: Lookup) -> str | None:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return "is not an ISO 8601 date and time"
    return None


def _fields_rule(
    value: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...], check: Callable[[Any], bool]
) -> str | None:
    missing = [name for name in required if name not in value]
    if missing:
        return f"lacks {', '.join(missing)}"
    unknown = [name for name in value if name not in required + optional]
    if unknown:
        return f"has unknown fields {', '.join(unknown)}"
    wrong = [name for name, item in value.items() if not check(item)]
    return f"has wrong types in {', '.join(wrong)}" if wrong else None


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def price_text_rule(value: dict[str, Any]) -> str | None:
    """Rule of one language's default price text: ``{"priceText", "priceTextOffline"?}``."""
    return _fields_rule(value, ("priceText",), ("priceTextOffline",), _is_text)


def _default_price(value: dict[str, Any], lookup: Lookup) -> str | None:
    price = value.get("chargingPrice", {})
    texts = {name: item for name, item in value.items() if name != "chargingPrice"}
    rule = price_text_rule(texts)
    if rule is None and not isinstance(price, dict):
        rule = "has a chargingPrice that is not an object"
    if rule is None:
        price_rule = _fields_rule(price, (), ("kWhPrice", "hourPrice", "flatFee"), _is_number)
        rule = None if price_rule is None else f"has a chargingPrice that {price_rule}"
    return rule


def _default_price_text(value: dict[str, Any], lookup: Lookup) -> str | None:
    texts = value.get("priceTexts")
    if set(value) != {"priceTexts"} or not isinstance(texts, list):
        return 'is not {"priceTexts": [...]}'
    languages: set[str] = set()
    for entry in texts:
        if not isinstance(entry, dict) or not isinstance(entry.get("language"), str):
            return "has a price text without a language"
        language = entry["language"]
        if language in languages:
            return f"has two price texts for {language}"
        languages.add(language)
        rule = price_text_rule({name: item for name, item in entry.items() if name != "language"})
        if rule is not None:
            return f"has a price text for {language} that {rule}"
    return None


def _languages(value: tuple[str, ...], lookup: Lookup) -> str | None:
    bad = [item for item in value if not _LANGUAGE.fullmatch(item)]
    return f"has invalid language tags {', '.join(bad)}" if bad else None


def _language(value: str, lookup: Lookup) -> str | None:
    supported = lookup.get("SupportedLanguages")
    if isinstance(supported, tuple) and value not in supported:
        return f"is not in SupportedLanguages ({', '.join(supported)})"
    return None


def _key(name: str, kind: ValueType, access: Access, description: str, **options: Any) -> KeyDef:
    if kind is INT:
        options.setdefault("minimum", 0)
    return KeyDef(
        section="CostAndPrice",
        profile="CostAndPrice",
        name=name,
        type=kind,
        access=access,
        description=description,
        **options,
    )


PRICING_KEYS: tuple[KeyDef, ...] = (
    _key(
        "CustomDisplayCostAndPrice",
        BOOL,
        R,
        "The station shows prices and costs sent by the central system.",
        required=True,
        default=False,
    ),
    _key(
        "NumberOfDecimalsForCostValues",
        INT,
        R,
        "Decimals kept when costs are handed to the display.",
    ),
    _key(
        "DefaultPrice",
        OBJ,
        RW,
        "Price text (and offline price) shown when no user-specific price is known.",
        rule=_default_price,
    ),
    _key(
        "DefaultPriceText",
        OBJ,
        RW,
        "Default price texts per language, reported as DefaultPriceText,<language>.",
        rule=_default_price_text,
        exposure=Exposure.PER_LANGUAGE,
    ),
    _key(
        "TimeOffset",
        STR,
        RW,
        "Offset from UTC of the local time shown to users.",
        min_length=1,
        max_length=10,
        rule=_time_offset,
    ),
    _key(
        "NextTimeOffsetTransitionDateTime",
        STR,
        RW,
        "When the next change of local time offset (e.g. daylight saving) happens.",
        min_length=1,
        max_length=40,
        rule=_date_time,
    ),
    _key(
        "TimeOffsetNextTransition",
        STR,
        RW,
        "Offset from UTC that applies after the next transition.",
        min_length=1,
        max_length=40,
        rule=_time_offset,
    ),
    _key(
        "CustomIdleFeeAfterStop",
        BOOL,
        RW,
        "Keep the session open after the transaction to charge idle fees until unplug.",
    ),
    _key(
        "SupportedLanguages",
        CSL,
        R,
        "Languages the display can show, as language tags.",
        min_length=1,
        rule=_languages,
    ),
    _key(
        "CustomMultiLanguageMessages",
        BOOL,
        R,
        "The display can show price texts in several languages.",
    ),
    _key(
        "Language",
        STR,
        RW,
        "Default language of the texts shown to users.",
        min_length=1,
        rule=_language,
    ),
    _key(
        "WaitForSetUserPriceTimeout",
        INT,
        RW,
        "Milliseconds an authorization waits for a user-specific price before charging starts.",
        maximum=30000,
    ),
)
