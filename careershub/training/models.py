"""Careers Leader training: who at an institution was trained, on which course, and when.

Records are kept by the institution's careers leader and read by its hub and the national
team. Bursaries are held in exact pence.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from careershub.funds.money import format_pence
from careershub.institutions.models import Institution


class TrainingStatus(models.TextChoices):
    TRAINED = "trained", "Trained"
    IN_TRAINING = "in_training", "In training"
    NOT_TRAINED = "not_trained", "No training recorded"


class TrainingRecord(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="training_records")
    leader_name = models.CharField("careers leader's name", max_length=200)
    is_current_leader = models.BooleanField(
        default=True, help_text="Whether this person is the institution's careers leader now"
    )
    course = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    bursary_pence = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_current_leader", "leader_name", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="training_completed_after_start",
            )
        ]
        indexes = [models.Index(fields=["institution", "is_current_leader"])]

    def __str__(self) -> str:
        return f"{self.leader_name}: {self.course}"

    def is_complete(self, on: datetime.date | None = None) -> bool:
        on = on or datetime.date.today()
        return self.completed_on is not None and self.completed_on <= on

    @property
    def bursary_display(self) -> str:
        return format_pence(self.bursary_pence) if self.bursary_pence else "None"
