"""The configuration registry: typed values of every key, GetConfiguration and ChangeConfiguration.

Theory of operation
-------------------

:meth:`ConfigRegistry.from_json` reads libocpp's ``config.json`` shape in three passes:

1. every key of the file is read against its definition (section known, key known in a closed
   section, JSON type, limits); the ``Custom`` section's keys are typed by their JSON value;
2. the sections in use (``Internal``, ``Core``, ``Security``, every section in the file and every
   section named in SupportedFeatureProfiles) get the defaults of their absent keys; a required key
   without a default must be in the file;
3. the rules that relate keys run over the whole (measurand lists within SupportedMeasurands,
   ConnectorPhaseRotation within NumberOfConnectors, SupportedFeatureProfiles with Core, ...).

Any failure raises :class:`~ocpp_core.errors.ConfigError` naming ``Section.Key``, the value and the
rule. Then the overlay (changes persisted earlier) is applied entry by entry with the same checks;
an entry that no longer fits (the file changed since) is skipped and reported in :attr:`warnings`
rather than stopping the station, so precedence is defaults < file < overlay.

Every later change, by the central system (:meth:`~ConfigRegistry.change_configuration`) or by the
engine (:meth:`~ConfigRegistry.set_value`), is checked against a copy of all values first, so the
registry never holds an inconsistent configuration, and a refused change alters nothing.

Write-only keys (AuthorizationKey) never leave the registry through GetConfiguration: a full
GetConfiguration leaves the key out, and asking for it by name yields the key with ``readonly``
false and *no value* (OCPP allows an absent value), which says the key is supported without
disclosing anything, set or not. :meth:`~ConfigRegistry.to_json` includes it for persistence by
the owner; :meth:`~ConfigRegistry.masked_json` and :meth:`~ConfigRegistry.all_entries` mask it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ocpp_core.config.keys import (
    ALWAYS_VISIBLE_SECTIONS,
    CLOSED_SECTIONS,
    KEYS,
    MAX_KEY_LENGTH,
    PROFILE_GATED_SECTIONS,
    SECTIONS,
    custom_key,
)
from ocpp_core.config.keys_model import (
    Access,
    ConfigValue,
    Exposure,
    InvalidValue,
    KeyDef,
    ValueType,
    from_json_value,
    from_python,
    from_text,
    to_json_value,
    to_text,
)
from ocpp_core.config.keys_pricing import price_text_rule
from ocpp_core.config.keys_security import authorization_key_bytes
from ocpp_core.errors import ConfigError

__all__ = ["ChangeResult", "ChangeStatus", "ConfigEntry", "ConfigRegistry", "Veto"]

#: A hook that may veto a ChangeConfiguration: called with the canonical key and the typed value
#: after the registry's own checks passed; returns the reason to reject, or ``None``.
Veto = Callable[[str, ConfigValue], str | None]

MASK = "***"


class ChangeStatus(StrEnum):
    """ChangeConfiguration.conf status (the wire strings of OCPP 1.6 ``ConfigurationStatus``)."""

    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    REBOOT_REQUIRED = "RebootRequired"
    NOT_SUPPORTED = "NotSupported"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeResult:
    """The outcome of :meth:`ConfigRegistry.change_configuration`.

    On ``Accepted``/``RebootRequired`` the value is already applied in memory, and the caller must
    persist ``ConfigSet(section, key, persist_value)``. ``key`` is the config-file key (for
    ``DefaultPriceText,<language>`` it is ``DefaultPriceText`` and ``new_value`` the whole object).
    ``reason`` says why a change was refused, naming the key, the value and the rule.
    """

    status: ChangeStatus
    key: str | None = None
    section: str | None = None
    new_value: ConfigValue | None = None
    persist_value: Any = None
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigEntry:
    """One key as the dashboard shows it; secrets are masked in ``value``."""

    key: str
    section: str
    type: ValueType
    access: Access
    readonly: bool
    value: str | None
    is_set: bool
    visible: bool
    required: bool
    reboot_required: bool
    description: str


class _Values:
    """Read access to a set of values for the rules that relate keys."""

    def __init__(self, values: Mapping[str, ConfigValue]) -> None:
        self._values = values

    def get(self, name: str) -> ConfigValue | None:
        return self._values.get(name)


def _read(defn: KeyDef, raw: Any, where: str) -> ConfigValue:
    try:
        return from_json_value(defn, raw)
    except InvalidValue as invalid:
        raise ConfigError(where, raw, invalid.rule) from None


def _rejected(reason: str, defn: KeyDef | None = None) -> ChangeResult:
    return ChangeResult(
        status=ChangeStatus.REJECTED,
        key=None if defn is None else defn.name,
        section=None if defn is None else defn.section,
        reason=reason,
    )


def _not_supported(reason: str) -> ChangeResult:
    return ChangeResult(status=ChangeStatus.NOT_SUPPORTED, reason=reason)


class ConfigRegistry:
    """Every configuration key with its typed value. Build it with :meth:`from_json`."""

    def __init__(
        self,
        definitions: Iterable[KeyDef],
        values: Mapping[str, ConfigValue],
        *,
        present_sections: Iterable[str] = (),
        extras: Mapping[str, Mapping[str, Any]] | None = None,
        warnings: Iterable[str] = (),
    ) -> None:
        """Hold already validated ``values``; use :meth:`from_json` to read a config file."""
        self._defs: dict[str, KeyDef] = {}
        for defn in definitions:
            self._add_definition(defn)
        self._values: dict[str, ConfigValue] = dict(values)
        self._present = set(present_sections)
        self._extras = {section: dict(keys) for section, keys in (extras or {}).items()}
        self._warnings = list(warnings)

    def _add_definition(self, defn: KeyDef) -> None:
        folded = defn.name.casefold()
        if folded in self._defs:
            raise ValueError(f"two definitions of the key {defn.name}")
        self._defs[folded] = defn

    # ------------------------------------------------------------------------------------------
    # Loading

    @classmethod
    def from_json(
        cls,
        data: Mapping[str, Any],
        overlay: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        definitions: Iterable[KeyDef] = KEYS,
    ) -> ConfigRegistry:
        """Read a config file in libocpp's ``config.json`` shape, then apply the persisted ``overlay``.

        ``data`` is ``{"Internal": {...}, "Core": {...}, ...}``; ``overlay`` has the same shape and
        holds the values of earlier accepted changes. ``definitions`` replaces the standard key
        table (an integrator may, e.g., make a key read-only). Raises :class:`ConfigError` naming
        ``Section.Key``, the value and the rule for an invalid file.
        """
        if not isinstance(data, Mapping):
            raise ConfigError("config", data, "is not a JSON object of sections")
        standard = tuple(definitions)
        registry = cls(standard, {})
        by_section = {(defn.section, defn.name): defn for defn in standard}
        values: dict[str, ConfigValue] = {}
        for section, content in data.items():
            if section not in SECTIONS:
                raise ConfigError(str(section), content, f"is not a known section (known: {', '.join(SECTIONS)})")
            if not isinstance(content, Mapping):
                raise ConfigError(section, content, "is not a JSON object")
            for key, raw in content.items():
                where = f"{section}.{key}"
                defn = by_section.get((section, key))
                if defn is None and section == "Custom":
                    defn = registry._define_custom(str(key), raw)
                elif defn is None:
                    similar = registry._defs.get(str(key).casefold())
                    if similar is not None:
                        raise ConfigError(
                            where, raw, f"is not a key of {section} (did you mean {similar.qualified_name}?)"
                        )
                    if section in CLOSED_SECTIONS:
                        raise ConfigError(where, raw, f"is not a key of {section}")
                    registry._extras.setdefault(section, {})[key] = raw
                    registry._warnings.append(f"{where}: unknown key, kept in the file but not used")
                    continue
                values[defn.name] = _read(defn, raw, where)
        registry._present = set(data)
        profiles = values.get(
            "SupportedFeatureProfiles",
            next((defn.default for defn in standard if defn.name == "SupportedFeatureProfiles"), None),
        )
        active = ALWAYS_VISIBLE_SECTIONS | registry._present | set(profiles if isinstance(profiles, tuple) else ())
        for defn in standard:
            if defn.section in active and defn.name not in values:
                if defn.default is not None:
                    values[defn.name] = defn.default
                elif defn.required:
                    raise ConfigError(defn.qualified_name, None, "is required but missing")
        registry._values = values
        failure = registry._first_inconsistency(values)
        if failure is not None:
            defn, rule = failure
            raise ConfigError(defn.qualified_name, to_json_value(defn.type, values[defn.name]), rule)
        registry._apply_overlay(overlay or {})
        return registry

    def _custom_definition(self, name: str, raw: Any) -> KeyDef:
        where = f"Custom.{name}"
        if not 0 < len(name) <= MAX_KEY_LENGTH:
            raise ConfigError(where, raw, f"has a name that is not 1..{MAX_KEY_LENGTH} characters long")
        clash = self._defs.get(name.casefold())
        if clash is not None:
            raise ConfigError(where, raw, f"has the same name as {clash.qualified_name} (names ignore case)")
        try:
            return custom_key(name, raw)
        except InvalidValue as invalid:
            raise ConfigError(where, raw, invalid.rule) from None

    def _define_custom(self, name: str, raw: Any) -> KeyDef:
        defn = self._custom_definition(name, raw)
        self._add_definition(defn)
        return defn

    def _apply_overlay(self, overlay: Mapping[str, Mapping[str, Any]]) -> None:
        """Apply persisted changes; an entry may depend on another (SecurityProfile on
        AuthorizationKey), and stores need not keep order, so failed entries are retried
        while others succeed."""
        pending = [(str(section), str(key), raw) for section, keys in overlay.items() for key, raw in keys.items()]
        errors: list[ConfigError] = []
        while pending:
            errors, retry = [], []
            for section, key, raw in pending:
                try:
                    self._apply_persisted(section, key, raw)
                except ConfigError as error:
                    errors.append(error)
                    retry.append((section, key, raw))
            if len(retry) == len(pending):
                break
            pending = retry
        self._warnings.extend(f"{error} (persisted change ignored)" for error in errors)

    def _apply_persisted(self, section: str, key: str, raw: Any) -> None:
        where = f"{section}.{key}"
        defn = self._defs.get(key.casefold())
        if defn is None and section == "Custom":
            new = self._custom_definition(key, raw)
            value = self._read_checked(new, raw, where)
            self._add_definition(new)
            self._present.add("Custom")
            self._values[new.name] = value
            return
        if defn is None or (defn.section, defn.name) != (section, key):
            raise ConfigError(where, raw, "is not a known key")
        self._values[defn.name] = self._read_checked(defn, raw, where)

    def _read_checked(self, defn: KeyDef, raw: Any, where: str) -> ConfigValue:
        value = _read(defn, raw, where)
        failure = self._trial(defn, value)
        if failure is not None:
            raise ConfigError(where, raw, failure)
        return value

    # ------------------------------------------------------------------------------------------
    # Consistency

    def _first_inconsistency(self, values: Mapping[str, ConfigValue]) -> tuple[KeyDef, str] | None:
        view = _Values(values)
        for defn in self._defs.values():
            value = values.get(defn.name)
            if value is None:
                continue
            rule = defn.rule(value, view) if defn.rule is not None else None
            if rule is None and defn.max_items_key is not None and isinstance(value, tuple):
                cap = values.get(defn.max_items_key)
                if isinstance(cap, int) and not isinstance(cap, bool) and len(value) > cap:
                    rule = f"has {len(value)} items, more than {defn.max_items_key} ({cap})"
            if rule is not None:
                return defn, rule
        return None

    def _trial(self, defn: KeyDef, value: ConfigValue) -> str | None:
        """The rule broken if ``defn`` took ``value``, worded for that value; ``None`` if fine."""
        trial = dict(self._values)
        trial[defn.name] = value
        failure = self._first_inconsistency(trial)
        if failure is None:
            return None
        broken, rule = failure
        if broken is defn:
            return rule
        shown = to_text(broken.type, trial[broken.name])
        return f"would leave {broken.name} = {shown!r}, which {rule}"

    # ------------------------------------------------------------------------------------------
    # Visibility

    def _section_visible(self, section: str) -> bool:
        if section in ALWAYS_VISIBLE_SECTIONS or section in self.supported_profiles():
            return True
        return section not in PROFILE_GATED_SECTIONS and section in self._present

    def _reportable(self, defn: KeyDef) -> bool:
        present = defn.name in self._values or defn.always_supported
        return present and self._section_visible(defn.section)

    def _key_values(self, defn: KeyDef) -> list[dict[str, Any]]:
        """The GetConfiguration entries of a reportable key (several for expanded keys)."""
        value = self._values.get(defn.name)
        if defn.access is Access.WRITE_ONLY:
            return [{"key": defn.name, "readonly": False}]
        if defn.exposure is Exposure.PER_LANGUAGE:
            texts = value.get("priceTexts", []) if isinstance(value, dict) else []
            return [
                {
                    "key": f"{defn.name},{entry['language']}",
                    "readonly": defn.readonly,
                    "value": to_text(ValueType.OBJECT, {k: v for k, v in entry.items() if k != "language"}),
                }
                for entry in texts
            ]
        if defn.exposure is Exposure.INDEXED:
            items = value if isinstance(value, tuple) else ()
            stem = defn.name.removesuffix("s")
            return [{"key": f"{stem}[{n}]", "readonly": True, "value": item} for n, item in enumerate(items, 1)]
        text = "" if value is None else to_text(defn.type, value)
        return [{"key": defn.name, "readonly": defn.readonly, "value": text}]

    def _expanded_entry(self, requested: str) -> dict[str, Any] | None:
        """The entry of an expanded key such as ``DefaultPriceText,de`` or ``MeterPublicKey[1]``."""
        folded = requested.casefold()
        for defn in self._defs.values():
            if defn.exposure is not Exposure.PLAIN and self._reportable(defn):
                for entry in self._key_values(defn):
                    if entry["key"].casefold() == folded:
                        return entry
        return None

    # ------------------------------------------------------------------------------------------
    # Typed getters

    def definition(self, name: str) -> KeyDef:
        """The definition of the key ``name`` (any case); raises ``KeyError`` if unknown."""
        try:
            return self._defs[name.casefold()]
        except KeyError:
            raise KeyError(f"{name} is not a known configuration key") from None

    def section_of(self, name: str) -> str:
        """The config-file section of the key ``name`` (any case)."""
        return self.definition(name).section

    def get(self, name: str) -> ConfigValue | None:
        """The typed value of ``name`` (any case), or ``None`` when an optional key is unset.

        Values are returned whether or not their profile is enabled; the engine checks profiles.
        Raises ``KeyError`` for a name no definition has.
        """
        value = self._values.get(self.definition(name).name)
        return copy.deepcopy(value) if isinstance(value, dict) else value

    def _typed(self, name: str, kinds: tuple[ValueType, ...]) -> ConfigValue | None:
        defn = self.definition(name)
        if defn.type not in kinds:
            raise TypeError(f"{defn.name} is of type {defn.type.value}, not {' or '.join(kinds)}")
        return self.get(defn.name)

    def get_int(self, name: str) -> int | None:
        """The value of an integer key; raises ``TypeError`` for a key of another type."""
        value = self._typed(name, (ValueType.INTEGER,))
        assert value is None or (isinstance(value, int) and not isinstance(value, bool))
        return value

    def get_bool(self, name: str) -> bool | None:
        """The value of a boolean key; raises ``TypeError`` for a key of another type."""
        value = self._typed(name, (ValueType.BOOLEAN,))
        assert value is None or isinstance(value, bool)
        return value

    def get_decimal(self, name: str) -> Decimal | None:
        """The value of a number (or integer) key as a ``Decimal``."""
        value = self._typed(name, (ValueType.DECIMAL, ValueType.INTEGER))
        return None if value is None else Decimal(str(value))

    def get_str(self, name: str) -> str | None:
        """The value of a string key; raises ``TypeError`` for a key of another type."""
        value = self._typed(name, (ValueType.STRING,))
        assert value is None or isinstance(value, str)
        return value

    def get_list(self, name: str) -> tuple[str, ...] | None:
        """The items of a comma-separated-list or array key, trimmed."""
        value = self._typed(name, (ValueType.CSL, ValueType.ARRAY))
        assert value is None or isinstance(value, tuple)
        return value

    def get_object(self, name: str) -> dict[str, Any] | None:
        """A copy of the value of a JSON-object key."""
        value = self._typed(name, (ValueType.OBJECT,))
        assert value is None or isinstance(value, dict)
        return value

    def supported_profiles(self) -> frozenset[str]:
        """The names in SupportedFeatureProfiles."""
        value = self._values.get("SupportedFeatureProfiles", ())
        return frozenset(value if isinstance(value, tuple) else ())

    def basic_auth_password(self) -> bytes | None:
        """The HTTP Basic password: the AuthorizationKey decoded from hex, or as is; ``None`` if unset."""
        value = self._values.get("AuthorizationKey")
        return authorization_key_bytes(value) if isinstance(value, str) else None

    @property
    def warnings(self) -> tuple[str, ...]:
        """What loading passed over: unknown keys in open sections, persisted changes ignored."""
        return tuple(self._warnings)

    # ------------------------------------------------------------------------------------------
    # GetConfiguration

    def get_configuration(self, keys: Sequence[str] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
        """GetConfiguration: ``(configurationKey entries, unknownKey names)``.

        Entries are ``{"key", "readonly", "value"}`` with the canonical spelling and the value as a
        string. Without ``keys`` (or with none), every visible key except write-only ones. Names
        match in any case; unset optional keys and keys of disabled profiles are unknown.
        AuthorizationKey asked by name comes back without a value (see the module docstring).
        """
        known: list[dict[str, Any]] = []
        if not keys:
            for defn in self._defs.values():
                if defn.access is not Access.WRITE_ONLY and self._reportable(defn):
                    known.extend(self._key_values(defn))
            return known, []
        unknown: list[str] = []
        seen: set[str] = set()
        for requested in keys:
            folded = requested.casefold()
            if folded in seen:
                continue
            seen.add(folded)
            found = self._defs.get(folded)
            if found is not None and found.exposure is Exposure.PLAIN and self._reportable(found):
                known.extend(self._key_values(found))
                continue
            entry = None if found is not None else self._expanded_entry(requested)
            if entry is None:
                unknown.append(requested)
            else:
                known.append(entry)
        return known, unknown

    # ------------------------------------------------------------------------------------------
    # Changes

    def change_configuration(self, key: str, value: str, checks: Veto | None = None) -> ChangeResult:
        """ChangeConfiguration: check ``value`` for ``key`` and apply it in memory if accepted.

        ``NotSupported``: unknown key, key of a disabled profile, optional key the file leaves out.
        ``Rejected``: read-only key, invalid value, SecurityProfile not raised, a rule relating keys
        broken, or a veto of ``checks`` (called with the canonical key and the typed value; used for
        prerequisites the registry cannot see, such as installed certificates). Never raises for any
        ``key``/``value`` strings, and leaves every value unchanged unless the change is accepted.
        """
        defn = self._defs.get(key.casefold())
        if defn is None:
            return self._change_expanded(key, value, checks)
        if defn.exposure is not Exposure.PLAIN or not self._reportable(defn):
            return _not_supported(f"{key}: not a configuration key of this station")
        if defn.readonly:
            return _rejected(f"{defn.name}: is read-only", defn)
        shown = MASK if defn.secret else value
        try:
            typed = from_text(defn, value)
        except InvalidValue as invalid:
            return _rejected(f"{defn.name}: {shown!r} {invalid.rule}", defn)
        current = self._values.get(defn.name)
        if defn.only_upwards and isinstance(current, int) and isinstance(typed, int) and typed <= current:
            return _rejected(
                f"{defn.name}: {shown!r} is not above the current value {current} (it may only rise)", defn
            )
        return self._commit(defn, typed, shown, checks)

    def _commit(self, defn: KeyDef, typed: ConfigValue, shown: str, checks: Veto | None) -> ChangeResult:
        rule = self._trial(defn, typed)
        if rule is None and checks is not None:
            rule = checks(defn.name, typed)
        if rule is not None:
            return _rejected(f"{defn.name}: {shown!r} {rule}", defn)
        self._values[defn.name] = typed
        return ChangeResult(
            status=ChangeStatus.REBOOT_REQUIRED if defn.reboot_required else ChangeStatus.ACCEPTED,
            key=defn.name,
            section=defn.section,
            new_value=copy.deepcopy(typed),
            persist_value=to_json_value(defn.type, typed),
        )

    def _change_expanded(self, key: str, value: str, checks: Veto | None) -> ChangeResult:
        """ChangeConfiguration of ``DefaultPriceText,<language>`` or ``MeterPublicKey[<n>]``."""
        stem, comma, language = key.partition(",")
        defn = self._defs.get(stem.casefold())
        if comma and defn is not None and defn.exposure is Exposure.PER_LANGUAGE:
            return self._change_price_text(defn, language.strip(), value, checks)
        if self._expanded_entry(key) is not None:  # MeterPublicKey[<n>]: read-only
            return _rejected(f"{key}: is read-only")
        return _not_supported(f"{key}: not a configuration key of this station")

    def _change_price_text(self, defn: KeyDef, language: str, value: str, checks: Veto | None) -> ChangeResult:
        if not self._section_visible(defn.section) or self._values.get("CustomMultiLanguageMessages") is not True:
            return _not_supported(f"{defn.name},{language}: multi-language price texts are not enabled")
        supported = self._values.get("SupportedLanguages")
        match = (
            [item for item in supported if item.casefold() == language.casefold()]
            if isinstance(supported, tuple)
            else []
        )
        if not match:
            return _rejected(f"{defn.name},{language}: the language is not in SupportedLanguages", defn)
        language = match[0]
        shown = f"{defn.name},{language}"
        try:
            entry = from_text(defn, value)
        except InvalidValue as invalid:
            return _rejected(f"{shown}: {value!r} {invalid.rule}", defn)
        assert isinstance(entry, dict)
        rule = price_text_rule(entry)
        if rule is not None:
            return _rejected(f"{shown}: {value!r} {rule}", defn)
        current = self._values.get(defn.name)
        texts = list(current.get("priceTexts", [])) if isinstance(current, dict) else []
        texts = [item for item in texts if str(item.get("language", "")).casefold() != language.casefold()]
        texts.append({**entry, "language": language})
        return self._commit(defn, {"priceTexts": texts}, value, checks)

    def set_value(self, name: str, value: Any) -> Any:
        """Set a key from inside the station (e.g. HeartbeatInterval from BootNotification.conf).

        Access rules do not apply (read-only keys may be set); type, limits and the rules relating
        keys do. Returns the JSON value to persist as ``ConfigSet(section_of(name), key, value)``.
        Raises :class:`ConfigError` for an unknown key or an invalid value.
        """
        defn = self._defs.get(name.casefold())
        if defn is None:
            raise ConfigError(name, value, "is not a known configuration key")
        try:
            typed = from_python(defn, value)
        except InvalidValue as invalid:
            raise ConfigError(defn.qualified_name, value, invalid.rule) from None
        rule = self._trial(defn, typed)
        if rule is not None:
            raise ConfigError(defn.qualified_name, value, rule)
        self._values[defn.name] = typed
        return to_json_value(defn.type, typed)

    # ------------------------------------------------------------------------------------------
    # Export

    def to_json(self) -> dict[str, dict[str, Any]]:
        """Every set value in libocpp's config.json shape, secrets included (for the owner only).

        Unknown keys of open sections are kept as they were in the file.
        """
        out: dict[str, dict[str, Any]] = {section: {} for section in self._present if section in SECTIONS}
        for defn in self._defs.values():
            if defn.name in self._values:
                out.setdefault(defn.section, {})[defn.name] = to_json_value(defn.type, self._values[defn.name])
        for section, keys in self._extras.items():
            out.setdefault(section, {}).update(copy.deepcopy(keys))
        return {section: out[section] for section in SECTIONS if section in out}

    def masked_json(self) -> dict[str, dict[str, Any]]:
        """:meth:`to_json` with secret values (AuthorizationKey) replaced by ``"***"``."""
        out = self.to_json()
        for defn in self._defs.values():
            if defn.secret and defn.name in self._values:
                out[defn.section][defn.name] = MASK
        return out

    def all_entries(self) -> list[ConfigEntry]:
        """Every defined key, set or not, for the dashboard; secrets masked."""
        entries = []
        for defn in self._defs.values():
            value = self._values.get(defn.name)
            text = None if value is None else MASK if defn.secret else to_text(defn.type, value)
            entries.append(
                ConfigEntry(
                    key=defn.name,
                    section=defn.section,
                    type=defn.type,
                    access=defn.access,
                    readonly=defn.readonly,
                    value=text,
                    is_set=value is not None,
                    visible=self._reportable(defn),
                    required=defn.required,
                    reboot_required=defn.reboot_required,
                    description=defn.description,
                )
            )
        return entries
