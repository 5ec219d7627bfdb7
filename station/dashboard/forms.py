"""Forms of the dashboard's actions: a configuration value, a local-list entry, the simulator panel, the
transaction filter.

The simulator forms take their limits from the control API (``station.api``): the same field
lengths, fault codes and knobs, so a value the API refuses is refused here too; the controller
methods behind both check the rest.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, datetime
from typing import Any

from django import forms

from ocpp_core.enums import AuthorizationStatus
from station.api import FAULT_CODES, ID_TAG_MAX_LENGTH, INFO_MAX_LENGTH


class DateTimeLocalInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` (the browser's picker); values are read as UTC."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M:%S")


def parse_cursor(raw: str, what: str) -> tuple[datetime, int] | None:
    """A keyset cursor ``"<RFC 3339 time>|<id>"`` (``None`` when empty)."""
    if not raw:
        return None
    time_text, _, id_text = raw.rpartition("|")
    try:
        return datetime.fromisoformat(time_text), int(id_text)
    except ValueError:
        raise forms.ValidationError(f"is not a page of this {what} (start again from the first page)") from None


def query_without_cursor(form: forms.Form) -> str:
    """The form's submitted values as a query string, without the cursor ``before``."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name in form.fields:
        value = form.data.get(name, "")
        if name != "before" and value not in ("", None):
            query[name] = value
    return query.urlencode()


#: ChangeConfiguration.req value is a CiString500 (the schema checks it again).
CONFIG_VALUE_MAX_LENGTH = 500


class ConfigValueForm(forms.Form):
    """A new value for one key (the key is in the URL)."""

    value = forms.CharField(max_length=CONFIG_VALUE_MAX_LENGTH, strip=False, required=False, label="New value")


def check_id_token(value: str) -> str:
    """An IdToken typed by an operator: not blank, no surrounding spaces, no control characters."""
    if not value.strip():
        raise forms.ValidationError("must not be empty")
    if value != value.strip():
        raise forms.ValidationError("must not start or end with a space")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise forms.ValidationError("must not contain control characters")
    return value


class LocalListEntryForm(forms.Form):
    """One entry of the local authorization list: an idTag and its IdTagInfo (as SendLocalList has it).

    The expiry date is read as UTC. The engine checks the rest (the list in use, its maximum
    length) and refuses with the rule broken.
    """

    id_tag = forms.CharField(
        max_length=ID_TAG_MAX_LENGTH,
        strip=False,
        label="idTag",
        help_text=f"1 to {ID_TAG_MAX_LENGTH} characters, as the card reports it",
    )
    status = forms.ChoiceField(
        choices=[(status.value, status.value) for status in AuthorizationStatus],
        initial=AuthorizationStatus.ACCEPTED.value,
        label="Status",
    )
    expiry_date = forms.DateTimeField(
        required=False, label="Expires (UTC, optional)", widget=DateTimeLocalInput(attrs={"step": "1"})
    )
    parent_id_tag = forms.CharField(
        max_length=ID_TAG_MAX_LENGTH, strip=False, required=False, label="Parent idTag (optional)"
    )

    def clean_id_tag(self) -> str:
        return check_id_token(self.cleaned_data["id_tag"])

    def clean_parent_id_tag(self) -> str | None:
        value: str = self.cleaned_data.get("parent_id_tag") or ""
        return check_id_token(value) if value else None

    def clean_expiry_date(self) -> datetime | None:
        value: datetime | None = self.cleaned_data.get("expiry_date")
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class LocalListRemoveForm(forms.Form):
    id_tag = forms.CharField(max_length=ID_TAG_MAX_LENGTH, strip=False, label="idTag")


class TokenForm(forms.Form):
    id_tag = forms.CharField(max_length=ID_TAG_MAX_LENGTH, label="idTag", help_text="The identifier of the card")

    def clean_id_tag(self) -> str:
        value: str = self.cleaned_data["id_tag"]
        if not value.strip():
            raise forms.ValidationError("must not be empty")
        return value


class FaultForm(forms.Form):
    error_code = forms.ChoiceField(choices=[(code, code) for code in FAULT_CODES], label="Error code")
    info = forms.CharField(max_length=INFO_MAX_LENGTH, required=False, label="Info (optional)")


class KnobsForm(forms.Form):
    """The simulator's knobs of one connector (all four are sent, as the form shows them all)."""

    power_w = forms.FloatField(min_value=0, label="EV power (W)")
    fixed_cable = forms.BooleanField(required=False, label="Fixed cable")
    lock_fails = forms.BooleanField(required=False, label="Cable lock fails")
    unlock_fails = forms.BooleanField(required=False, label="Unlock fails")

    def clean_power_w(self) -> float:
        value: float = self.cleaned_data["power_w"]
        if not math.isfinite(value):
            raise forms.ValidationError("must be a finite number")
        return value


class TransactionFilterForm(forms.Form):
    STATES = [
        ("", "any"),
        ("running", "running"),
        ("stopped", "stopped"),
        ("unacknowledged", "not acknowledged"),
    ]

    connector = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1, label="Connector")
    id_tag = forms.CharField(required=False, max_length=ID_TAG_MAX_LENGTH, label="idTag")
    state = forms.ChoiceField(required=False, choices=STATES, label="State")
    since = forms.DateTimeField(required=False, label="Started from (UTC)", widget=DateTimeLocalInput())
    until = forms.DateTimeField(required=False, label="Started until (UTC)", widget=DateTimeLocalInput())
    before = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def clean_before(self) -> tuple[datetime, int] | None:
        return parse_cursor(self.cleaned_data.get("before") or "", "list")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and until <= since:
            self.add_error("until", "must be later than Started from")
        return data

    def filter_query(self) -> str:
        return query_without_cursor(self)
