from __future__ import annotations

import stat

from django.test import RequestFactory

from station.auth_token import api_token, ensure_api_token, read_or_create_secret, request_has_token


def test_it_generates_the_token_once_into_a_private_file(station_data_dir):
    token, created = ensure_api_token()
    assert created and len(token) >= 40
    path = station_data_dir / "api-token"
    assert path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_api_token() == (token, False)
    assert api_token() == token


def test_it_prefers_the_environment(station_data_dir, settings):
    settings.STATION_API_TOKEN = "from-the-environment"
    assert ensure_api_token() == ("from-the-environment", False)
    assert api_token() == "from-the-environment"
    assert not (station_data_dir / "api-token").exists()


def test_it_keeps_the_secret_of_a_process_that_created_it_first(tmp_path):
    path = tmp_path / "secret"

    def make_while_another_process_wins() -> str:
        path.write_text("the-winner\n")
        return "the-loser"

    assert read_or_create_secret(path, make_while_another_process_wins) == ("the-winner", False)
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]  # no temporary file left behind


def test_it_checks_the_bearer_token(station_data_dir, settings):
    settings.STATION_API_TOKEN = "s3cret-token"
    factory = RequestFactory()
    assert request_has_token(factory.get("/", headers={"Authorization": "Bearer s3cret-token"}))
    assert request_has_token(factory.get("/", headers={"Authorization": "bearer  s3cret-token "}))
    assert not request_has_token(factory.get("/", headers={"Authorization": "Bearer s3cret-toke"}))
    assert not request_has_token(factory.get("/", headers={"Authorization": "Token s3cret-token"}))
    assert not request_has_token(factory.get("/"))
