from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class ConfigChangeLog(models.Model):
    """One configuration change asked for in the dashboard: who, when, which key, the outcome.

    Refused attempts are kept too (with the rule they broke). A secret value (AuthorizationKey)
    is never stored: ``value`` holds ``***`` for it. Changes made by the central system are in
    the message trace (ChangeConfiguration CALLs), where secrets are masked as well.
    """

    class Status(models.TextChoices):
        ACCEPTED = "Accepted"
        REBOOT_REQUIRED = "RebootRequired", "Reboot required"
        REJECTED = "Rejected"
        NOT_SUPPORTED = "NotSupported", "Not supported"

    time = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    #: kept when the user is deleted later
    username = models.CharField(max_length=150)
    key = models.CharField(max_length=100, db_index=True)
    section = models.CharField(max_length=40, blank=True)
    value = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.TextField(blank=True)

    objects: ClassVar[models.Manager[ConfigChangeLog]] = models.Manager()

    class Meta:
        ordering = ["-time", "-id"]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.username}: {self.key} {self.status}"

    @property
    def applied(self) -> bool:
        return self.status in (self.Status.ACCEPTED, self.Status.REBOOT_REQUIRED)


class LocalListChangeLog(models.Model):
    """One change of the local authorization list asked for in the dashboard: who, when, what, the outcome.

    Refused attempts are kept too, with the rule they broke. The list version is the one the
    list had (a local edit keeps it: the central system owns the version).
    """

    class Action(models.TextChoices):
        ADD = "add", "Added"
        CHANGE = "change", "Changed"
        REMOVE = "remove", "Removed"

    time = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    #: kept when the user is deleted later
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=10, choices=Action.choices)
    id_tag = models.CharField(max_length=20)
    #: the entry's new values (empty for a removal)
    status = models.CharField(max_length=20, blank=True)
    expiry_date = models.DateTimeField(null=True, blank=True)
    parent_id_tag = models.CharField(max_length=20, blank=True)
    list_version = models.IntegerField(default=0)
    applied = models.BooleanField(default=False)
    reason = models.TextField(blank=True)

    objects: ClassVar[models.Manager[LocalListChangeLog]] = models.Manager()

    class Meta:
        ordering = ["-time", "-id"]

    def __str__(self) -> str:
        outcome = "applied" if self.applied else "refused"
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.username}: {self.action} {self.id_tag} {outcome}"
