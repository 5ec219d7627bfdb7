"""``manage.py dashboard_user NAME --role viewer|operator``: create a dashboard user or change its role.

A viewer sees every page; an operator may also change the station (configuration, local list,
cache, simulator, charging). The role is membership of the ``operators`` group
(:mod:`station.dashboard.permissions`); staff users and superusers are operators whatever
their groups, so the command refuses to make one of them a viewer.

A new user needs a password: from ``STATION_USER_PASSWORD`` if set, else asked for twice on the
terminal. It must pass the project's password validators. An existing user keeps its password
(unless ``--set-password``). Never prints a password.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from station.dashboard.permissions import OPERATORS_GROUP, role_of

PASSWORD_VARIABLE = "STATION_USER_PASSWORD"


class Command(BaseCommand):
    help = "Create a dashboard user (viewer or operator) or change the role of an existing one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=["viewer", "operator"], required=True)
        parser.add_argument(
            "--set-password",
            action="store_true",
            help=f"also set the password of an existing user (from {PASSWORD_VARIABLE} or the terminal)",
        )

    def _password(self, candidate: Any) -> str:
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if not password:
            if not self.stdin_is_tty():
                raise CommandError(f"{PASSWORD_VARIABLE} is not set and there is no terminal to ask for a password")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the two passwords differ")
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as exc:
            raise CommandError(f"the password is not accepted: {' '.join(exc.messages)}") from None
        return password

    def stdin_is_tty(self) -> bool:
        import sys

        return sys.stdin.isatty()

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        username = str(options["username"]).strip()
        if not username:
            raise CommandError("the user name must not be empty")
        role = options["role"]
        with transaction.atomic():
            user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
            created = user is None
            if user is None:
                user = User(**{User.USERNAME_FIELD: username})
                user.set_password(self._password(user))
                user.save()
            elif options["set_password"]:
                user.set_password(self._password(user))
                user.save(update_fields=["password"])
            if role == "viewer" and (getattr(user, "is_staff", False) or getattr(user, "is_superuser", False)):
                raise CommandError(
                    f"{username!r} is a staff user or superuser, so always an operator; "
                    "it cannot be made a viewer with this command"
                )
            group, _ = Group.objects.get_or_create(name=OPERATORS_GROUP)
            groups = user.groups
            if role == "operator":
                groups.add(group)
            else:
                groups.remove(group)
        user = User._default_manager.get(pk=user.pk)  # a fresh object: the role is not cached
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} the dashboard user {username!r}: {role_of(user)}.")
