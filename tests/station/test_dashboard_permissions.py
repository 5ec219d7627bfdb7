"""Viewers and operators: who sees the forms, who may post them, and ``manage.py dashboard_user``.

Personas: a *viewer* (any logged-in user), an *operator* (member of the "operators" group), a
*staff* user and a *superuser* (operators by their flags). No station runs here: what an
operator's action then does is in ``test_dashboard_station.py`` / ``test_dashboard_local_list.py``;
here only whether it is allowed at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from station import runtime
from station.dashboard.permissions import OPERATORS_GROUP, is_operator

PASSWORD = "a-long-Passphrase-42"

#: (URL name, kwargs, form data) of every action that changes the station.
ACTIONS = [
    ("dashboard:configuration-change", {"key": "HeartbeatInterval"}, {"value": "60"}),
    ("dashboard:authorization-cache-clear", {}, {}),
    ("dashboard:local-list-add", {}, {"add-id_tag": "TAG-1", "add-status": "Accepted"}),
    ("dashboard:local-list-change", {}, {"edit-id_tag": "TAG-1", "edit-status": "Blocked"}),
    ("dashboard:local-list-remove", {}, {"id_tag": "TAG-1"}),
    ("dashboard:simulator-action", {"n": 1, "action": "plug"}, {}),
]


def make_user(username: str, **flags: Any):
    operator = flags.pop("operator", False)
    user = get_user_model().objects.create_user(username, password=PASSWORD, **flags)
    if operator:
        user.groups.add(Group.objects.get_or_create(name=OPERATORS_GROUP)[0])
    return user


@pytest.fixture
def no_station():
    runtime.set_controller(None)
    yield
    runtime.set_controller(None)


@pytest.fixture
def viewer(db):
    return make_user("viewer")


@pytest.fixture
def as_viewer(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def as_operator(client, db):
    client.force_login(make_user("operator", operator=True))
    return client


@pytest.mark.django_db
def test_it_knows_who_is_an_operator():
    from django.contrib.auth.models import AnonymousUser

    assert not is_operator(make_user("plain"))
    assert is_operator(make_user("member", operator=True))
    assert is_operator(make_user("staff", is_staff=True))
    assert is_operator(get_user_model().objects.create_superuser("root", password=PASSWORD))
    assert not is_operator(make_user("gone", operator=True, is_active=False))
    assert not is_operator(AnonymousUser())


@pytest.mark.django_db
def test_the_migration_creates_the_operators_group():
    assert Group.objects.filter(name=OPERATORS_GROUP).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs", "data"), ACTIONS)
def test_it_refuses_a_viewers_action_with_403(as_viewer, no_station, name, kwargs, data):
    response = as_viewer.post(reverse(name, kwargs=kwargs), data)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Not allowed: your account (viewer) may view this station but not change it" in page
    assert "operators" in page and 'role="alert"' in page
    assert "<nav" in page  # a page with the layout, to go on from


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs", "data"), ACTIONS)
def test_it_sends_htmx_the_refusal_for_the_message_area(as_viewer, no_station, name, kwargs, data):
    response = as_viewer.post(reverse(name, kwargs=kwargs), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#flash" and response["HX-Reswap"] == "innerHTML"
    text = response.content.decode()
    assert text.lstrip().startswith('<p class="message error" role="alert">Not allowed:')


@pytest.mark.django_db
def test_it_refuses_the_local_list_edit_form_to_a_viewer(as_viewer, no_station):
    response = as_viewer.get(reverse("dashboard:local-list-edit"), {"id_tag": "TAG-1"})
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs", "data"), ACTIONS)
def test_it_lets_an_operator_act(as_operator, no_station, name, kwargs, data):
    # no station runs: the action is tried and says why it could not be done -- but not 403
    response = as_operator.post(reverse(name, kwargs=kwargs), data, HTTP_HX_REQUEST="true")
    assert response.status_code != 403


@pytest.mark.django_db
@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_superuser": True}])
def test_staff_and_superusers_are_operators(client, no_station, flags):
    client.force_login(make_user("boss", **flags))
    response = client.post(reverse("dashboard:authorization-cache-clear"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "not running" in response.content.decode()


@pytest.mark.django_db
def test_it_shows_the_role_in_the_header(as_viewer, no_station):
    page = as_viewer.get(reverse("dashboard:overview")).content.decode()
    assert '<span class="role-tag"' in page and ">viewer</span>" in page


@pytest.mark.django_db
def test_it_hides_the_cache_form_from_viewers(client, no_station, viewer):
    client.force_login(viewer)
    page = client.get(reverse("dashboard:authorization")).content.decode()
    assert "Clear the cache" not in page
    assert "changing it needs an operator account" in page
    client.force_login(make_user("operator", operator=True))
    page = client.get(reverse("dashboard:authorization")).content.decode()
    assert "Clear the cache" in page
    assert 'hx-confirm="Clear the whole authorization cache?"' in page


# --- manage.py dashboard_user -------------------------------------------------------------------


@pytest.mark.django_db
def test_it_creates_a_viewer_and_makes_it_an_operator(monkeypatch, capsys):
    monkeypatch.setenv("STATION_USER_PASSWORD", PASSWORD)
    call_command("dashboard_user", "alice", "--role", "viewer")
    assert "Created the dashboard user 'alice': viewer." in capsys.readouterr().out
    alice = get_user_model().objects.get(username="alice")
    assert alice.check_password(PASSWORD) and not is_operator(alice)

    call_command("dashboard_user", "alice", "--role", "operator")
    assert "Updated the dashboard user 'alice': operator." in capsys.readouterr().out
    assert is_operator(get_user_model().objects.get(username="alice"))

    call_command("dashboard_user", "alice", "--role", "viewer")
    assert not is_operator(get_user_model().objects.get(username="alice"))
    assert PASSWORD not in capsys.readouterr().out


@pytest.mark.django_db
def test_it_changes_a_password_only_when_asked(monkeypatch):
    monkeypatch.setenv("STATION_USER_PASSWORD", PASSWORD)
    call_command("dashboard_user", "bob", "--role", "viewer")
    monkeypatch.setenv("STATION_USER_PASSWORD", "another-Passphrase-43")
    call_command("dashboard_user", "bob", "--role", "viewer")
    assert get_user_model().objects.get(username="bob").check_password(PASSWORD)
    call_command("dashboard_user", "bob", "--role", "viewer", "--set-password")
    assert get_user_model().objects.get(username="bob").check_password("another-Passphrase-43")


@pytest.mark.django_db
def test_it_refuses_a_weak_password_and_creates_nothing(monkeypatch):
    monkeypatch.setenv("STATION_USER_PASSWORD", "password")
    with pytest.raises(CommandError, match="the password is not accepted"):
        call_command("dashboard_user", "carol", "--role", "operator")
    assert not get_user_model().objects.filter(username="carol").exists()


@pytest.mark.django_db
def test_it_cannot_make_a_superuser_a_viewer(monkeypatch):
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    with pytest.raises(CommandError, match="always an operator"):
        call_command("dashboard_user", "root", "--role", "viewer")


@pytest.mark.django_db
def test_it_needs_a_password_from_somewhere(monkeypatch):
    monkeypatch.delenv("STATION_USER_PASSWORD", raising=False)  # and pytest's stdin is no terminal
    with pytest.raises(CommandError, match="STATION_USER_PASSWORD is not set"):
        call_command("dashboard_user", "dave", "--role", "viewer")
