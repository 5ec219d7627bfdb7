"""Forms of the dashboard's actions: a configuration value, the simulator panel, the transaction filter.

The simulator forms take their limits from the control API (``station.api``): the same field
lengths, fault codes and knobs, so a value the API refuses is refused here too; the controller
methods behind both check the rest.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django import forms

from station.api import FAULT_CODES, ID_TAG_MAX_LENGTH, INFO_MAX_LENGTH


class DateTimeLocalInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` (the browser's picker); values are read as UTC."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M:%S")


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
