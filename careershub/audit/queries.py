from __future__ import annotations

from django.db.models import QuerySet

from careershub.audit.models import AuditEvent
from careershub.organisations.models import Membership, OrganisationKind, Role


def audit_events_for(membership: Membership) -> QuerySet[AuditEvent]:
    """National admins read every event; an organisation's leads read their organisation's."""
    events = AuditEvent.objects.select_related("organisation")
    if membership.organisation.kind == OrganisationKind.NATIONAL and membership.role == Role.NATIONAL_ADMIN:
        return events
    return events.filter(organisation=membership.organisation)
