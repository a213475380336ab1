"""Peer review pages. Cycles and reviews are reached only through `reviews.queries`: another
organisation's cycle or review is a 404; a role barred from a page is a 403.

- Hub leads open and manage cycles (trios, facilitators, conflicts, start, reminders, completion).
- Careers leaders of participating institutions complete their internal review, review their
  trio partners, answer queries and choose what to share; senior leaders read.
- Facilitators (hub staff or careers leaders on the hub's list) record outcomes.
- The national team reads completed cycles, agreement statistics and moderates a sample.
"""

from __future__ import annotations

import datetime
from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from careershub.evaluations.models import EvidenceKind
from careershub.evaluations.queries import own_institution
from careershub.evaluations.scoring import CriterionStatus
from careershub.hubs.queries import hubs_for
from careershub.institutions.models import Institution
from careershub.organisations.decorators import require_roles, require_write
from careershub.organisations.models import Membership, OrganisationKind, Role
from careershub.reviews import agreement, maturity, queries, services
from careershub.reviews.forms import (
    AnswerForm,
    ConflictForm,
    CycleForm,
    DrawForm,
    FacilitatorForm,
    InternalReviewForm,
    JudgementsForm,
    ModerationForm,
    OutcomeForm,
    SharingForm,
)
from careershub.reviews.models import (
    CycleStatus,
    JudgementValue,
    PeerReview,
    ReviewCycle,
    ReviewStatus,
)

INSTITUTION_ROLES = (Role.CAREERS_LEADER, Role.SENIOR_LEADER)
HUB_ROLES = (Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR)
NATIONAL_ROLES = (Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST)
ALL_ROLES = (*INSTITUTION_ROLES, *HUB_ROLES, *NATIONAL_ROLES)


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _today() -> datetime.date:
    return timezone.localdate()


# Index ------------------------------------------------------------------------------------


@require_roles(*ALL_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    cycles = list(queries.cycles_for(membership).order_by("-starts_on"))
    context: dict[str, Any] = {
        "cycles": cycles,
        "kind": membership.organisation.kind,
        "can_manage": membership.role == Role.HUB_LEAD,
        "hub": queries.managed_hub(membership) or hubs_for(membership).first()
        if membership.organisation.kind == OrganisationKind.HUB
        else None,
        "page_title": "Peer review",
        "today": _today(),
    }
    reviews = list(queries.reviews_for(membership, request.user).order_by("participant__institution__name"))
    context["facilitated"] = [
        r for r in reviews if r.participant.trio and r.participant.trio.facilitator_id == request.user.pk
    ]
    if membership.organisation.kind == OrganisationKind.INSTITUTION:
        institution = own_institution(membership)
        context["institution"] = institution
        context["own_reviews"] = [r for r in reviews if institution and r.participant.institution_id == institution.pk]
        context["partner_reviews"] = [
            r
            for r in reviews
            if institution and r.participant.institution_id != institution.pk and r not in context["facilitated"]
        ]
        context["open_actions"] = list(queries.open_actions_of(institution)) if institution else []
        context["internal"] = queries.internal_reviews_of(institution) if institution else {}
        context["published"] = list(queries.published_for(membership))
    return TemplateResponse(request, "reviews/index.html", context)


# Hub set-up -------------------------------------------------------------------------------


def _hub_or_403(request: HttpRequest) -> Any:
    hub = queries.managed_hub(_membership(request))
    if hub is None:
        raise PermissionDenied
    return hub


def _members(hub: Any) -> list[Institution]:
    return list(queries.current_members(hub))


@require_roles(Role.HUB_LEAD)
def cycle_new(request: HttpRequest) -> HttpResponse:
    hub = _hub_or_403(request)
    form = CycleForm(request.POST or None, members=_members(hub))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.cycle_create(
                hub=hub,
                name=data["name"],
                starts_on=data["starts_on"],
                deadlines={
                    f: data[f] for f in ("internal_review_due", "judgements_due", "answers_due", "outcomes_due")
                },
                institutions=data["institutions"],
                actor=request.user,
            )
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{cycle.name} has been set up. Propose the trios next.")
            return redirect("reviews:cycle", pk=cycle.pk)
    return TemplateResponse(
        request, "reviews/cycle_new.html", {"form": form, "hub": hub, "page_title": "Open a review cycle"}
    )


@require_roles(Role.HUB_LEAD)
def facilitators(request: HttpRequest) -> HttpResponse:
    hub = _hub_or_403(request)
    people = list(queries.facilitator_candidates(hub, _members(hub)))
    choices = {m.user_id: f"{m.user} ({m.get_role_display()}, {m.organisation.name})" for m in people}
    form = FacilitatorForm(request.POST or None, people=list(choices.items()))
    if request.method == "POST" and form.is_valid():
        user = next(m.user for m in people if str(m.user_id) == form.cleaned_data["user"])
        try:
            services.facilitator_add(hub=hub, user=user, trained_on=form.cleaned_data["trained_on"], actor=request.user)
        except services.ReviewError as error:
            form.add_error("trained_on", str(error))
        else:
            messages.success(request, f"{user} has been added to the facilitators.")
            return redirect("reviews:facilitators")
    return TemplateResponse(
        request,
        "reviews/facilitators.html",
        {"hub": hub, "form": form, "facilitators": list(queries.facilitators_of(hub)), "page_title": "Facilitators"},
    )


@require_roles(Role.HUB_LEAD)
def conflicts(request: HttpRequest) -> HttpResponse:
    hub = _hub_or_403(request)
    members = _members(hub)
    form = ConflictForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        by_pk = {str(i.pk): i for i in members}
        try:
            services.conflict_declare(
                hub=hub,
                first=by_pk[form.cleaned_data["first"]],
                second=by_pk[form.cleaned_data["second"]],
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The conflict has been recorded: these two will never share a trio.")
            return redirect("reviews:conflicts")
    return TemplateResponse(
        request,
        "reviews/conflicts.html",
        {"hub": hub, "form": form, "conflicts": list(queries.conflicts_of(hub)), "page_title": "Conflicts of interest"},
    )


# A cycle ----------------------------------------------------------------------------------


@require_roles(*HUB_ROLES, *NATIONAL_ROLES)
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    cycle = get_object_or_404(queries.cycles_for(membership), pk=pk)
    can_manage = queries.managed_cycles(membership).filter(pk=cycle.pk).exists()
    participants = list(cycle.participants.select_related("institution", "trio"))
    trios = list(cycle.trios.select_related("facilitator"))
    conflict_pairs = services.conflict_pairs(cycle)
    names = {p.institution_id: p.institution.name for p in participants}
    reviews = {r.participant_id: r for r in queries.cycle_reviews(cycle)}
    return TemplateResponse(
        request,
        "reviews/cycle.html",
        {
            "cycle": cycle,
            "can_manage": can_manage,
            "participants": participants,
            "trios": trios,
            "members_of": {t.pk: [p for p in participants if p.trio_id == t.pk] for t in trios},
            "unassigned": [p for p in participants if p.trio_id is None],
            "conflicts": sorted(
                (" and ".join(sorted(names[i] for i in pair)), reason) for pair, reason in conflict_pairs.items()
            ),
            "facilitators": list(queries.facilitators_of(cycle.hub).filter(active=True)) if can_manage else [],
            "progress": services.cycle_progress(cycle) if cycle.status != CycleStatus.SETUP else [],
            "reviews": reviews,
            "today": _today(),
            "page_title": cycle.name,
        },
    )


def _managed_cycle(request: HttpRequest, pk: int) -> ReviewCycle:
    return get_object_or_404(queries.managed_cycles(_membership(request)), pk=pk)


def _refuse(request: HttpRequest, error: Exception, cycle: ReviewCycle) -> HttpResponse:
    messages.error(request, str(error))
    return redirect("reviews:cycle", pk=cycle.pk)


@require_POST
@require_roles(Role.HUB_LEAD)
def cycle_trios(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _managed_cycle(request, pk)
    try:
        if request.POST.get("action") == "propose":
            groups = services.trios_propose(cycle=cycle, actor=request.user)
            messages.success(request, f"{len(groups)} trios have been proposed. Adjust them if you need to.")
        else:
            assignment = {}
            for participant in cycle.participants.all():
                value = request.POST.get(f"trio_{participant.institution_id}", "")
                if not value.isdigit() or int(value) < 1:
                    raise services.ReviewError("Give every school or college a trio number.")
                assignment[participant.institution_id] = int(value)
            version = int(request.POST.get("version", "0") or 0)
            services.trios_save(cycle=cycle, assignment=assignment, version=version, actor=request.user)
            messages.success(request, "The trios have been saved.")
    except (services.ReviewError, services.trios.TrioError) as error:
        return _refuse(request, error, cycle)
    return redirect("reviews:cycle", pk=cycle.pk)


@require_POST
@require_roles(Role.HUB_LEAD)
def cycle_facilitator(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _managed_cycle(request, pk)
    trio = get_object_or_404(cycle.trios.all(), pk=request.POST.get("trio") or 0)
    facilitator = queries.facilitators_of(cycle.hub).filter(user_id=request.POST.get("user") or 0).first()
    try:
        services.facilitator_assign(trio=trio, user=facilitator.user if facilitator else None, actor=request.user)
    except services.ReviewError as error:
        return _refuse(request, error, cycle)
    messages.success(request, f"{trio} now has {'a facilitator' if facilitator else 'no facilitator'}.")
    return redirect("reviews:cycle", pk=cycle.pk)


@require_POST
@require_roles(Role.HUB_LEAD)
def cycle_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    cycle = _managed_cycle(request, pk)
    try:
        if action == "start":
            services.cycle_start(cycle=cycle, actor=request.user)
            messages.success(request, f"{cycle.name} has started. Everyone taking part has been emailed.")
        elif action == "complete":
            services.cycle_complete(cycle=cycle, actor=request.user)
            messages.success(request, f"{cycle.name} is complete.")
        elif action == "remind":
            sent = services.cycle_send_reminders(cycle=cycle, today=_today(), actor=request.user)
            messages.success(request, f"{sent} reminder emails have been queued.")
        else:
            raise Http404
    except services.ReviewError as error:
        return _refuse(request, error, cycle)
    return redirect("reviews:cycle", pk=cycle.pk)


# A review ---------------------------------------------------------------------------------


def _review(request: HttpRequest, pk: int) -> tuple[PeerReview, set[str]]:
    membership = _membership(request)
    review = get_object_or_404(queries.reviews_for(membership, request.user), pk=pk)
    return review, queries.review_roles(membership, request.user, review)


def _need(roles: set[str], role: str) -> None:
    if role not in roles:
        raise PermissionDenied


@require_roles(*ALL_ROLES)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review, roles = _review(request, pk)
    judgements = {j.criterion_code: j for j in review.judgements.select_related("updated_by")}
    benchmarks = []
    evidence: dict[str, list[Any]] = {}
    if review.evaluation is not None:
        result = services.evaluation_services.score_of(review.evaluation)
        spec = review.evaluation.spec()
        for item in review.evaluation.evidence.all():
            evidence.setdefault(item.criterion_code, []).append(item)
        for benchmark in spec.benchmarks:
            statuses = {c.code: c.status for c in result.benchmark(benchmark.number).criteria}
            benchmarks.append(
                {
                    "benchmark": benchmark,
                    "rows": [
                        {
                            "criterion": c,
                            "claimed": statuses[c.code] == CriterionStatus.ACHIEVED,
                            "status": str(statuses[c.code]).replace("_", " "),
                            "judgement": judgements.get(c.code),
                            "evidence": evidence.get(c.code, []),
                        }
                        for c in benchmark.criteria
                    ],
                }
            )
    outcome_visible = (
        roles & {"owner", "hub_lead", "facilitator"} or review.share_with_trio or _membership(request).is_national
    )
    return TemplateResponse(
        request,
        "reviews/review.html",
        {
            "review": review,
            "cycle": review.participant.cycle,
            "roles": roles,
            "benchmarks": benchmarks,
            "actions": list(review.actions.all()) if outcome_visible else [],
            "carried": list(queries.open_actions_of(review.institution).exclude(review=review))
            if review.participant.cycle.status != CycleStatus.COMPLETED
            else [],
            "outcome_visible": outcome_visible,
            "queries_open": sum(1 for j in judgements.values() if j.value == JudgementValue.QUERY and not j.answer),
            "sharing_form": SharingForm(
                initial={"share_with_trio": review.share_with_trio, "publish_to_hub": review.publish_to_hub}
            ),
            "page_title": f"Peer review of {review.institution.name}",
        },
    )


@require_roles(Role.CAREERS_LEADER)
def review_benchmark(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    review, roles = _review(request, pk)
    _need(roles, "reviewer")
    if review.evaluation is None or review.status != ReviewStatus.IN_REVIEW:
        messages.error(request, "This review is not open for judgements.")
        return redirect("reviews:review", pk=review.pk)
    spec = review.evaluation.spec()
    benchmark = next((b for b in spec.benchmarks if b.number == number), None)
    if benchmark is None:
        raise Http404
    existing = {j.criterion_code: j for j in review.judgements.filter(benchmark=number)}
    form = JudgementsForm(request.POST or None, benchmark=benchmark, existing=existing)
    conflicts: list[services.Conflict] = []
    if request.method == "POST" and form.is_valid():
        try:
            conflicts = services.judgements_save(review=review, judgements=form.judgements(), actor=request.user)
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            if not conflicts:
                messages.success(request, f"Your judgements on benchmark {number} have been saved.")
                following = next((b.number for b in spec.benchmarks if b.number > number), None)
                if following is not None and "next" in request.POST:
                    return redirect("reviews:judge", pk=review.pk, number=following)
                return redirect("reviews:review", pk=review.pk)
            # Keep what this person typed, take the current versions, and show what the other saved.
            existing = {j.criterion_code: j for j in review.judgements.filter(benchmark=number)}
            data = request.POST.copy()
            for code, current in existing.items():
                data[f"version_{code.replace('.', '_')}"] = str(current.version)
            form = JudgementsForm(data, benchmark=benchmark, existing=existing)
            form.is_valid()
            for conflict in conflicts:
                theirs = existing.get(conflict.key)
                saved = ""
                if theirs is not None:
                    saved = f"“{theirs.get_value_display()}”" + (f" ({theirs.comment})" if theirs.comment else "") + " "
                form.add_error(
                    None,
                    f"{conflict.by} saved {saved}for criterion {conflict.key} after you opened the page, so yours "
                    "has not been saved. Your judgement is still below: save again to replace theirs.",
                )
    claims = services.criteria_claims(review.evaluation)
    evidence: dict[str, list[Any]] = {}
    for item in review.evaluation.evidence.filter(criterion_code__in=[c.code for c in benchmark.criteria]):
        evidence.setdefault(item.criterion_code, []).append(item)
    rows = [
        {
            "criterion": c,
            "claimed": claims[c.code][1],
            "value": form[f"value_{c.code.replace('.', '_')}"],
            "comment": form[f"comment_{c.code.replace('.', '_')}"],
            "version": form[f"version_{c.code.replace('.', '_')}"],
            "evidence": evidence.get(c.code, []),
        }
        for c in benchmark.criteria
    ]
    return TemplateResponse(
        request,
        "reviews/judge.html",
        {
            "review": review,
            "benchmark": benchmark,
            "rows": rows,
            "form": form,
            "has_next": any(b.number > number for b in spec.benchmarks),
            "page_title": f"Benchmark {number}: judgements",
        },
    )


@require_roles(Role.CAREERS_LEADER)
def review_answer(request: HttpRequest, pk: int, judgement_pk: int) -> HttpResponse:
    review, roles = _review(request, pk)
    _need(roles, "owner")
    judgement = get_object_or_404(review.judgements.filter(value=JudgementValue.QUERY), pk=judgement_pk)
    form = AnswerForm(request.POST or None, initial={"answer": judgement.answer})
    if request.method == "POST" and form.is_valid():
        try:
            services.query_answer(judgement=judgement, answer=form.cleaned_data["answer"], actor=request.user)
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Your answer on criterion {judgement.criterion_code} has been saved.")
            return redirect("reviews:review", pk=review.pk)
    return TemplateResponse(
        request,
        "reviews/answer.html",
        {
            "review": review,
            "judgement": judgement,
            "form": form,
            "page_title": f"Answer the query on {judgement.criterion_code}",
        },
    )


@require_roles(Role.CAREERS_LEADER, Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR)
def review_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    review, roles = _review(request, pk)
    _need(roles, "facilitator")
    actions = list(review.actions.all())
    initial: dict[str, Any] = {
        "version": review.version,
        "strengths": review.strengths,
        "excellence": review.excellence,
    }
    for n, action in enumerate(actions[: OutcomeForm.ACTION_ROWS], start=1):
        initial.update({f"action_{n}": action.text, f"owner_{n}": action.owner, f"due_{n}": action.due_on})
    form = OutcomeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_record(
                review=review,
                strengths=form.cleaned_data["strengths"],
                excellence=form.cleaned_data["excellence"],
                actions=[services.ActionInput(*a) for a in form.actions()],
                version=form.cleaned_data["version"],
                actor=request.user,
            )
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The outcome for {review.institution.name} has been recorded.")
            return redirect("reviews:review", pk=review.pk)
    return TemplateResponse(
        request, "reviews/outcome.html", {"review": review, "form": form, "page_title": "Record the agreed outcome"}
    )


@require_POST
@require_roles(Role.CAREERS_LEADER)
def review_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    review, roles = _review(request, pk)
    _need(roles, "owner")
    form = SharingForm(request.POST)
    form.is_valid()
    services.sharing_save(
        review=review,
        share_with_trio=form.cleaned_data.get("share_with_trio", False),
        publish_to_hub=form.cleaned_data.get("publish_to_hub", False),
        actor=request.user,
    )
    messages.success(request, "Your sharing choices have been saved.")
    return redirect("reviews:review", pk=review.pk)


@require_POST
@require_roles(Role.CAREERS_LEADER)
def review_share_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    review, roles = _review(request, pk)
    _need(roles, "owner")
    try:
        services.review_share_evaluation(review=review, actor=request.user)
    except services.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Your latest submitted self-evaluation is now shared with your trio.")
    return redirect("reviews:review", pk=review.pk)


@require_POST
@require_roles(Role.CAREERS_LEADER)
def action_status(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    review, roles = _review(request, pk)
    _need(roles, "owner")
    action = get_object_or_404(queries.actions_of(review), pk=action_pk)
    services.action_set_status(action=action, done=request.POST.get("done") == "yes", actor=request.user)
    messages.success(request, f"“{action.text}” is now {'done' if request.POST.get('done') == 'yes' else 'open'}.")
    return redirect("reviews:review", pk=review.pk)


@require_roles(*ALL_ROLES)
def review_evidence(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    review, roles = _review(request, pk)
    _need(roles, "evidence")
    if review.evaluation is None:
        raise Http404
    item = get_object_or_404(review.evaluation.evidence.all(), pk=evidence_pk)
    services.evidence_viewed(review=review, evidence=item, actor=request.user)
    if item.kind == EvidenceKind.LINK:
        return redirect(item.url)
    if item.kind == EvidenceKind.NOTE or not item.file:
        return TemplateResponse(
            request, "reviews/evidence_note.html", {"review": review, "item": item, "page_title": item.title}
        )
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=PurePosixPath(item.file.name).name,
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# Internal leadership review ---------------------------------------------------------------


@require_roles(*INSTITUTION_ROLES)
def internal_review(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    cycle = get_object_or_404(queries.cycles_for(membership), pk=pk)
    participant = queries.own_participant(cycle, membership)
    if participant is None:
        raise Http404
    internal = queries.internal_review_of(participant)
    model = maturity.get_model(internal.model_code) if internal else maturity.model_for(cycle.starts_on)
    can_edit = membership.role == Role.CAREERS_LEADER and cycle.status != CycleStatus.COMPLETED
    initial: dict[str, Any] = {"version": internal.version if internal else 1}
    if internal:
        initial.update({f"level_{k}": v for k, v in internal.levels.items()})
        initial.update({f"evidence_{k}": v for k, v in internal.evidence.items()})
        initial["taking_part"] = internal.taking_part
    form = InternalReviewForm(request.POST or None, model=model, initial=initial)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.internal_review_save(
                    participant=participant,
                    levels={t.code: data.get(f"level_{t.code}") or "" for t in model.themes},
                    evidence={t.code: data.get(f"evidence_{t.code}") or "" for t in model.themes},
                    taking_part=data.get("taking_part") or [],
                    submit="submit" in request.POST,
                    version=data["version"],
                    actor=request.user,
                )
            except services.ReviewError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    "Your internal leadership review has been "
                    + ("submitted." if "submit" in request.POST else "saved."),
                )
                return redirect("reviews:index")
    return TemplateResponse(
        request,
        "reviews/internal.html",
        {
            "cycle": cycle,
            "participant": participant,
            "internal": internal,
            "model": model,
            "form": form,
            "can_edit": can_edit,
            "late": (internal is None or internal.submitted_at is None)
            and cycle.status == CycleStatus.RUNNING
            and _today() > cycle.internal_review_due,
            "page_title": "Internal leadership review",
        },
    )


# Agreement and moderation -----------------------------------------------------------------


def _agreement_page(
    request: HttpRequest, title: str, scope: str, reviews: Any, back: tuple[str, str], hubs: Any = ()
) -> HttpResponse:
    report = agreement.agreement_report(queries.agreement_items(reviews))
    return TemplateResponse(
        request,
        "reviews/agreement.html",
        {
            "report": report,
            "title": title,
            "scope": scope,
            "back": back,
            "hubs": list(hubs),
            "page_title": f"Agreement: {title}",
        },
    )


@require_roles(*HUB_ROLES, *NATIONAL_ROLES)
def agreement_cycle(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    cycle = get_object_or_404(queries.cycles_for(membership), pk=pk)
    reviews = queries.cycle_reviews(cycle)
    return _agreement_page(request, cycle.name, cycle.hub.name, reviews, (f"/reviews/cycles/{cycle.pk}/", cycle.name))


@require_roles(*HUB_ROLES, *NATIONAL_ROLES)
def agreement_hub(request: HttpRequest, hub_pk: int) -> HttpResponse:
    hub = get_object_or_404(hubs_for(_membership(request)), pk=hub_pk)
    reviews = queries.completed_reviews_of(hub)
    return _agreement_page(request, f"completed cycles of {hub.name}", hub.name, reviews, ("/reviews/", "Peer review"))


@require_roles(*NATIONAL_ROLES)
def agreement_national(request: HttpRequest) -> HttpResponse:
    reviews = queries.reviews_for(_membership(request), request.user)
    hubs = hubs_for(_membership(request)).order_by("name")
    return _agreement_page(
        request, "every hub's completed cycles", "National", reviews, ("/reviews/", "Peer review"), hubs
    )


@require_roles(*NATIONAL_ROLES)
def moderation(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    form = DrawForm(request.POST or None)
    if request.method == "POST":
        if not membership.can_write:
            raise PermissionDenied
        if form.is_valid():
            try:
                drawn = services.moderation_draw(per_hub=form.cleaned_data["per_hub"], actor=request.user)
            except services.ReviewError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{len(drawn)} reviews have been drawn for moderation.")
                return redirect("reviews:moderation")
    moderations = list(queries.moderations_for(membership))
    done = [m.value for m in moderations if m.value]
    agreeing, moderated, low, high = agreement.moderation_agreement(done)
    return TemplateResponse(
        request,
        "reviews/moderation.html",
        {
            "form": form,
            "moderations": moderations,
            "agreeing": agreeing,
            "moderated": moderated,
            "low": low,
            "high": high,
            "can_write": membership.can_write,
            "page_title": "Expert moderation",
        },
    )


@require_write
@require_roles(Role.NATIONAL_ADMIN)
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(queries.moderations_for(_membership(request)), pk=pk)
    form = ModerationForm(request.POST or None, initial={"value": item.value, "comment": item.comment})
    if request.method == "POST" and form.is_valid():
        services.moderation_record(
            moderation=item, value=form.cleaned_data["value"], comment=form.cleaned_data["comment"], actor=request.user
        )
        messages.success(request, f"Your moderation of {item.review.institution.name} has been saved.")
        return redirect("reviews:moderation")
    return TemplateResponse(
        request, "reviews/moderate.html", {"item": item, "form": form, "page_title": "Moderate a review"}
    )
