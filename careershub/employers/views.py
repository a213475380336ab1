"""Employer profile, offers and school requests. Reads go through `queries.py`: another
organisation's employer, offer or request is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from careershub.employers import queries, services
from careershub.employers.forms import (
    AdviserForm,
    ComplianceForm,
    ContactForm,
    EmployerProfileForm,
    OfferForm,
    RequestForm,
)
from careershub.employers.models import Employer, LocationSource, Offer, OfferStatus, RequestStatus, SchoolRequest
from careershub.employers.queries import institutions_of_hub
from careershub.geography.postcodes import outcode_of
from careershub.hubs.queries import can_manage_hub
from careershub.matching import services as matching_services
from careershub.matching.queries import offer_state, request_state, with_bookings, with_confirmed_matches
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role

HUB_AND_NATIONAL = (Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR, Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST)


@require_roles(Role.EMPLOYER_CONTACT)
def profile(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    employer = queries.employer_of(membership)
    initial: dict[str, Any] = {"name": membership.organisation.name}
    if employer is not None:
        initial = {field: getattr(employer, field) for field in services.PROFILE_FIELDS} | {"version": employer.version}
        if employer.location_source != LocationSource.ENTERED:  # found from the postcode: found again on saving
            initial |= {"latitude": None, "longitude": None}
    form = EmployerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.employer_save(
                organisation=membership.organisation,
                name=data["name"],
                companies_house_number=data["companies_house_number"],
                sic_code=data["sic_code"],
                size_band=data["size_band"],
                address=data["address"],
                postcode=data["postcode"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                cap_per_term=data["cap_per_term"],
                hub=data["hub"],
                expected_version=data["version"],
                actor=request.user,
            )
        except services.EmployerError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"Your employer profile has been saved. {_location_text(saved)}")
            return redirect("employers:offers")
    return TemplateResponse(
        request, "employers/profile.html", {"form": form, "employer": employer, "page_title": "Employer profile"}
    )


def _location_text(employer: Employer) -> str:
    if employer.location_source == LocationSource.POSTCODE:
        return f"Your location was found from your postcode, {employer.postcode}."
    if employer.location_source == LocationSource.OUTCODE:
        return (
            f"You are located by postcode district (the middle of {outcode_of(employer.postcode)}), as "
            f"{employer.postcode} itself is not in the postcode data: enter latitude and longitude to be exact."
        )
    if not employer.has_location:
        return (
            "Your profile has no location, so in-person offers cannot be matched: "
            + ("check your postcode, or " if employer.postcode else "add your postcode, or ")
            + "enter latitude and longitude."
        )
    return ""


def _site_text(offer: Offer) -> str:
    """How an offer's site was located, when it has one (said after each save)."""
    if not offer.site_postcode:
        return ""
    if offer.location_source == LocationSource.OUTCODE:
        return (
            f"Its site is located by postcode district (the middle of {outcode_of(offer.site_postcode)}), as "
            f"{offer.site_postcode} itself is not in the postcode data."
        )
    return f"Its site was found from its postcode, {offer.site_postcode}."


def _own_employer_or_profile(request: HttpRequest) -> Employer | None:
    employer = queries.employer_of(request.membership)  # type: ignore[attr-defined]
    if employer is None:
        messages.info(request, "Set up your employer profile first.")
    return employer


@require_roles(Role.EMPLOYER_CONTACT)
def contact_add(request: HttpRequest) -> HttpResponse:
    employer = _own_employer_or_profile(request)
    if employer is None:
        return redirect("employers:profile")
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_add(employer=employer, actor=request.user, **form.cleaned_data)
        messages.success(request, f"{form.cleaned_data['full_name']} has been added.")
        return redirect("employers:detail", pk=employer.pk)
    return TemplateResponse(request, "employers/contact_form.html", {"form": form, "page_title": "Add a contact"})


@require_roles(Role.EMPLOYER_CONTACT)
def compliance_add(request: HttpRequest) -> HttpResponse:
    employer = _own_employer_or_profile(request)
    if employer is None:
        return redirect("employers:profile")
    form = ComplianceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.compliance_record(employer=employer, actor=request.user, **form.cleaned_data)
        except services.EmployerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The check has been recorded.")
            return redirect("employers:detail", pk=employer.pk)
    return TemplateResponse(
        request, "employers/compliance_form.html", {"form": form, "page_title": "Record a safeguarding check"}
    )


def employer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employer = get_object_or_404(queries.employers_for(request.membership).select_related("hub"), pk=pk)  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "employers/detail.html",
        {
            "employer": employer,
            "contacts": employer.contacts.select_related("adviser_institution"),
            "compliance": employer.compliance_facts.all(),
            "current_compliance": set(employer.compliance_facts.current().values_list("pk", flat=True)),
            "offers": employer.offers.all(),
            "is_own": employer.organisation_id == request.membership.organisation_id,  # type: ignore[attr-defined]
            "can_manage": employer.hub is not None and can_manage_hub(request.membership, employer.hub),  # type: ignore[attr-defined]
            "page_title": employer.name,
        },
    )


@require_roles(Role.EMPLOYER_CONTACT, *HUB_AND_NATIONAL)
def offer_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "employers/offer_list.html",
        {
            "offers": [
                (offer, offer_state(offer))
                for offer in with_bookings(queries.offers_for(membership).order_by("available_from", "title"))
            ],
            "can_create": queries.can_manage_offers(membership),
            "employer": queries.employer_of(membership),
            "page_title": "Employer offers",
        },
    )


@require_roles(Role.EMPLOYER_CONTACT)
def offer_create(request: HttpRequest) -> HttpResponse:
    employer = queries.employer_of(request.membership)  # type: ignore[attr-defined]
    if employer is None:
        messages.info(request, "Set up your employer profile before you publish an offer.")
        return redirect("employers:profile")
    form = OfferForm(request.POST or None, employer=employer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            offer = services.offer_create(
                employer=employer,
                title=data["title"],
                kind=data["kind"],
                sessions=data["sessions"],
                learners_per_session=data["learners_per_session"],
                available_from=data["available_from"],
                available_to=data["available_to"],
                delivery=data["delivery"],
                site_postcode=data["site_postcode"],
                year_groups=data["year_groups"],
                sector=data["sector"],
                accessibility_notes=data["accessibility_notes"],
                actor=request.user,
            )
        except services.EmployerError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"{offer.title} is published. {_site_text(offer)}".strip())
            return redirect("employers:offer", pk=offer.pk)
    return TemplateResponse(request, "employers/offer_form.html", {"form": form, "page_title": "Publish an offer"})


def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    offer = get_object_or_404(queries.offers_for(membership), pk=pk)
    can_withdraw = queries.can_manage_offers(membership) and offer.status == OfferStatus.PUBLISHED
    return TemplateResponse(
        request,
        "employers/offer_detail.html",
        {"offer": offer, "can_withdraw": can_withdraw, "page_title": offer.title},
    )


@require_roles(Role.EMPLOYER_CONTACT)
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The employer changes its own published offer; an edit started before someone else's save
    is refused (optimistic version), so neither overwrites the other."""
    membership = request.membership  # type: ignore[attr-defined]
    offer = get_object_or_404(queries.offers_for(membership), pk=pk)
    if not queries.can_manage_offers(membership) or offer.status != OfferStatus.PUBLISHED:
        raise PermissionDenied
    initial = {field: getattr(offer, field) for field in services.OFFER_FIELDS} | {"version": offer.version}
    form = OfferForm(request.POST or None, initial=initial, employer=offer.employer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            updated = services.offer_update(
                offer=offer,
                expected_version=data["version"] if data["version"] is not None else -1,
                title=data["title"],
                kind=data["kind"],
                sessions=data["sessions"],
                learners_per_session=data["learners_per_session"],
                available_from=data["available_from"],
                available_to=data["available_to"],
                delivery=data["delivery"],
                site_postcode=data["site_postcode"],
                year_groups=data["year_groups"],
                sector=data["sector"],
                accessibility_notes=data["accessibility_notes"],
                actor=request.user,
            )
        except services.EmployerError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"{data['title']} has been updated. {_site_text(updated)}".strip())
            return redirect("employers:offer", pk=offer.pk)
    return TemplateResponse(
        request,
        "employers/offer_form.html",
        {"form": form, "submit_text": "Save changes", "page_title": f"Change {offer.title}"},
    )


@require_POST
def offer_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    offer = get_object_or_404(queries.offers_for(membership), pk=pk)
    if not queries.can_manage_offers(membership):
        raise PermissionDenied
    try:
        services.offer_withdraw(offer=offer, actor=request.user)
    except services.EmployerError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{offer.title} has been withdrawn.")
    return redirect("employers:offer", pk=offer.pk)


@require_roles(Role.CAREERS_LEADER, Role.SENIOR_LEADER, *HUB_AND_NATIONAL)
def request_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "employers/request_list.html",
        {
            "requests": [
                (school_request, request_state(school_request, today))
                for school_request in with_confirmed_matches(
                    queries.requests_for(membership).order_by("window_start", "pk")
                )
            ],
            "can_create": queries.can_make_requests(membership),
            "page_title": "Requests for employer encounters",
        },
    )


@require_roles(Role.CAREERS_LEADER, Role.SENIOR_LEADER)
def request_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    if not queries.can_make_requests(membership):
        raise PermissionDenied
    institution = getattr(membership.organisation, "institution", None)
    if institution is None:
        raise PermissionDenied
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            school_request = services.request_create(
                institution=institution,
                kind=data["kind"],
                year_group=data["year_group"],
                learners=data["learners"],
                window_start=data["window_start"],
                window_end=data["window_end"],
                delivery=data["delivery"],
                max_travel_km=data["max_travel_km"],
                sectors=data["sectors"],
                notes=data["notes"],
                actor=request.user,
            )
        except services.EmployerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your request has been sent to your Careers Hub.")
            return redirect("employers:request", pk=school_request.pk)
    return TemplateResponse(
        request, "employers/request_form.html", {"form": form, "page_title": "Ask for an employer encounter"}
    )


def _outlook(school_request: SchoolRequest) -> matching_services.Outlook | None:
    """For an open request still waiting (no confirmed match, window not passed): what its hub's
    offers could do for it now."""
    today = timezone.localdate()
    if school_request.status != RequestStatus.OPEN or school_request.window_end < today:
        return None
    if school_request.confirmed_matches:  # type: ignore[attr-defined]
        return None
    return matching_services.request_outlook(school_request, today)


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school_request = get_object_or_404(
        with_confirmed_matches(queries.requests_for(request.membership)),  # type: ignore[attr-defined]
        pk=pk,
    )
    return TemplateResponse(
        request,
        "employers/request_detail.html",
        {
            "school_request": school_request,
            "state": request_state(school_request, timezone.localdate()),
            "outlook": _outlook(school_request),
            "can_edit": queries.can_make_requests(request.membership)  # type: ignore[attr-defined]
            and school_request.status == RequestStatus.OPEN,
            "page_title": str(school_request),
        },
    )


@require_roles(Role.CAREERS_LEADER)
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The careers leader changes the school's open request (optimistic version, as offers)."""
    membership = request.membership  # type: ignore[attr-defined]
    school_request = get_object_or_404(queries.requests_for(membership), pk=pk)
    if not queries.can_make_requests(membership) or school_request.status != RequestStatus.OPEN:
        raise PermissionDenied
    initial = {field: getattr(school_request, field) for field in services.REQUEST_FIELDS}
    form = RequestForm(request.POST or None, initial=initial | {"version": school_request.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_update(
                school_request=school_request,
                expected_version=data["version"] if data["version"] is not None else -1,
                kind=data["kind"],
                year_group=data["year_group"],
                learners=data["learners"],
                window_start=data["window_start"],
                window_end=data["window_end"],
                delivery=data["delivery"],
                max_travel_km=data["max_travel_km"],
                sectors=data["sectors"],
                notes=data["notes"],
                actor=request.user,
            )
        except services.EmployerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your request has been updated.")
            return redirect("employers:request", pk=school_request.pk)
    return TemplateResponse(
        request,
        "employers/request_form.html",
        {"form": form, "submit_text": "Save changes", "page_title": "Change your request"},
    )


def _managed_employer(request: HttpRequest, pk: int) -> Employer:
    """An employer of a hub the user manages (hub lead of its hub, or national admin)."""
    employer = get_object_or_404(queries.employers_for(request.membership).select_related("hub"), pk=pk)  # type: ignore[attr-defined]
    if employer.hub is None or not can_manage_hub(request.membership, employer.hub):  # type: ignore[attr-defined]
        raise PermissionDenied
    return employer


@require_POST
@require_roles(*HUB_AND_NATIONAL)
def employer_cornerstone(request: HttpRequest, pk: int) -> HttpResponse:
    employer = _managed_employer(request, pk)
    choice = request.POST.get("cornerstone") == "yes"
    try:
        services.employer_set_cornerstone(employer=employer, is_cornerstone=choice, actor=request.user)
    except services.EmployerError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{employer.name} is {'now' if choice else 'no longer'} a Cornerstone Employer of the hub."
        )
    return redirect("employers:detail", pk=employer.pk)


@require_roles(*HUB_AND_NATIONAL)
def contact_adviser(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    employer = _managed_employer(request, pk)
    contact = get_object_or_404(employer.contacts.all(), pk=contact_pk)
    institutions = institutions_of_hub(employer.hub)  # type: ignore[arg-type]
    form = AdviserForm(
        request.POST or None, institutions=institutions, initial={"institution": contact.adviser_institution_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_set_adviser(
                contact=contact, institution=form.cleaned_data["institution"], actor=request.user
            )
        except services.EmployerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{contact.full_name}'s Enterprise Adviser link has been saved.")
            return redirect("employers:detail", pk=employer.pk)
    return TemplateResponse(
        request,
        "employers/adviser_form.html",
        {"form": form, "page_title": f"Enterprise Adviser: {contact.full_name}"},
    )
