"""``manage.py ensure_admin``: the dashboard's first user, from the environment; no default password.

With ``STATION_ADMIN_USER`` and ``STATION_ADMIN_PASSWORD`` set, creates that user (a superuser)
unless a user of that name exists; the password must pass the project's password validators.
Without them, creates nothing and says how to make a user -- unless one exists already, which it
then names. Never prints a password. Exit 1 for an unusable password or half a pair of variables.

``make run`` can call it before starting: it is idempotent and quiet once a user exists.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

USER_VARIABLE = "STATION_ADMIN_USER"
PASSWORD_VARIABLE = "STATION_ADMIN_PASSWORD"

HOW_TO = (
    "No dashboard user exists yet. Create one with\n"
    "    .venv/bin/python manage.py createsuperuser\n"
    f"or set {USER_VARIABLE} and {PASSWORD_VARIABLE} and run\n"
    "    .venv/bin/python manage.py ensure_admin\n"
    "then log in at http://127.0.0.1:8000/accounts/login/"
)


class Command(BaseCommand):
    help = f"Create the dashboard's first user from {USER_VARIABLE} / {PASSWORD_VARIABLE} (no default password)."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        username = os.environ.get(USER_VARIABLE, "").strip()
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if bool(username) != bool(password):
            missing = PASSWORD_VARIABLE if username else USER_VARIABLE
            raise CommandError(f"{missing} is not set: set both {USER_VARIABLE} and {PASSWORD_VARIABLE}, or neither")
        if not username:
            if User._default_manager.exists():
                names = ", ".join(User._default_manager.order_by("id").values_list(User.USERNAME_FIELD, flat=True)[:3])
                self.stdout.write(f"Dashboard users exist ({names}); log in at /accounts/login/.")
            else:
                self.stdout.write(HOW_TO)
            return
        if User._default_manager.filter(**{User.USERNAME_FIELD: username}).exists():
            self.stdout.write(f"The dashboard user {username!r} exists already; its password is left as it is.")
            return
        candidate = User(**{User.USERNAME_FIELD: username})
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as exc:
            raise CommandError(f"{PASSWORD_VARIABLE} is not accepted: {' '.join(exc.messages)}") from None
        User._default_manager.create_superuser(**{User.USERNAME_FIELD: username, "password": password})
        self.stdout.write(f"Created the dashboard user {username!r}; log in at /accounts/login/.")
