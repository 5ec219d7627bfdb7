"""The dashboard's access control: every page, action and the websocket need a logged-in user.

Runs with the dashboard installed: the project's settings once ``station/settings.py`` lists it,
(the app is in INSTALLED_APPS).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

PASSWORD = "a-long-Passphrase-42"

#: (method, URL name, kwargs) of every dashboard URL except the login page.
URLS = [
    ("get", "dashboard:overview", {}),
    ("get", "dashboard:trace", {}),
    ("get", "dashboard:trace-detail", {"pk": 1}),
    ("get", "dashboard:trace-export-jsonl", {}),
    ("get", "dashboard:trace-export-html", {}),
    ("get", "dashboard:configuration", {}),
    ("post", "dashboard:configuration-change", {"key": "HeartbeatInterval"}),
    ("get", "dashboard:authorization", {}),
    ("post", "dashboard:authorization-cache-clear", {}),
    ("post", "dashboard:local-list-add", {}),
    ("get", "dashboard:local-list-edit", {}),
    ("post", "dashboard:local-list-change", {}),
    ("post", "dashboard:local-list-remove", {}),
    ("get", "dashboard:charging-profiles", {}),
    ("get", "dashboard:firmware", {}),
    ("get", "dashboard:transactions", {}),
    ("get", "dashboard:transactions-csv", {}),
    ("get", "dashboard:transaction-detail", {"pk": 1}),
    ("get", "dashboard:simulator", {}),
    ("post", "dashboard:simulator-action", {"n": 1, "action": "plug"}),
]


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_user("operator", password=PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "name", "kwargs"), URLS)
def test_it_sends_anonymous_visitors_to_the_login_page(client, method, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dashboard:login')}?next={url}"


@pytest.mark.django_db
def test_it_refuses_posts_without_csrf_token(operator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post(reverse("dashboard:simulator-action", kwargs={"n": 1, "action": "plug"}))
    assert response.status_code == 403


@pytest.mark.django_db
def test_it_logs_in_and_out(client, operator):
    page = client.get(reverse("dashboard:login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content
    assert b"<label" in page.content

    wrong = client.post(reverse("dashboard:login"), {"username": "operator", "password": "nope"})
    assert wrong.status_code == 200
    assert b'role="alert"' in wrong.content

    response = client.post(reverse("dashboard:login"), {"username": "operator", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:overview")
    assert client.get(reverse("dashboard:overview")).status_code == 200

    out = client.post(reverse("dashboard:logout"))
    assert out.status_code == 302
    assert client.get(reverse("dashboard:overview")).status_code == 302


@pytest.mark.django_db
def test_it_sends_a_logged_in_user_from_the_login_page_to_the_overview(client, operator):
    client.force_login(operator)
    response = client.get(reverse("dashboard:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:overview")


@pytest.mark.django_db
def test_it_only_accepts_logout_by_post(client, operator):
    client.force_login(operator)
    assert client.get(reverse("dashboard:logout")).status_code == 405


@pytest.mark.django_db(transaction=True)
async def test_it_refuses_websockets_without_a_session():
    from channels.auth import AuthMiddlewareStack
    from channels.routing import URLRouter
    from channels.testing import WebsocketCommunicator

    from station.dashboard.routing import websocket_urlpatterns

    app = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    communicator = WebsocketCommunicator(app, "/ws/dashboard/?view=overview")
    connected, _ = await communicator.connect()
    assert not connected


# --- ensure_admin --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_explains_how_to_create_the_first_user(monkeypatch, capsys):
    monkeypatch.delenv("STATION_ADMIN_USER", raising=False)
    monkeypatch.delenv("STATION_ADMIN_PASSWORD", raising=False)
    call_command("ensure_admin")
    out = capsys.readouterr().out
    assert "createsuperuser" in out and "STATION_ADMIN_USER" in out
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_it_creates_the_first_user_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("STATION_ADMIN_USER", "admin")
    monkeypatch.setenv("STATION_ADMIN_PASSWORD", PASSWORD)
    call_command("ensure_admin")
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password(PASSWORD)
    assert PASSWORD not in capsys.readouterr().out

    monkeypatch.setenv("STATION_ADMIN_PASSWORD", "another-Passphrase-43")
    call_command("ensure_admin")  # idempotent: the existing password stays
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user", "password", "complaint"),
    [("admin", "", "STATION_ADMIN_PASSWORD is not set"), ("", PASSWORD, "STATION_ADMIN_USER is not set")],
)
def test_it_refuses_half_a_pair_of_variables(monkeypatch, user, password, complaint):
    monkeypatch.setenv("STATION_ADMIN_USER", user)
    monkeypatch.setenv("STATION_ADMIN_PASSWORD", password)
    with pytest.raises(CommandError, match=complaint):
        call_command("ensure_admin")


@pytest.mark.django_db
def test_it_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("STATION_ADMIN_USER", "admin")
    monkeypatch.setenv("STATION_ADMIN_PASSWORD", "password")
    with pytest.raises(CommandError, match="not accepted"):
        call_command("ensure_admin")
    assert not get_user_model().objects.exists()
