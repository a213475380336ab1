"""Public pages, reached without signing in: the published careers programme (page and PDF)
and the feedback forms. Their addresses hold unguessable tokens; a withdrawn plan or a closed
link is a 404. They show only what the school chose to publish, and feedback summaries shown
here are suppressed (fewer than 5 answers withheld)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from careershub.programmes import feedback, pdf, queries, services
from careershub.programmes.forms import FeedbackForm
from careershub.programmes.models import Audience, Plan


def _published(token: str) -> Plan:
    plan = queries.published_plan(token)
    if plan is None:
        raise Http404("No published plan at this address")
    return plan


def _context(plan: Plan) -> dict[str, Any]:
    spec = plan.framework.spec()
    activities = sorted(plan.published, key=lambda a: (a.window()[0], a.target_date or a.window()[0], a.title))  # type: ignore[attr-defined]
    summaries = []
    if plan.show_feedback:
        answers = queries.feedback_answers(plan)
        summaries = [
            feedback.summarise(code, str(label), answers[code], suppress=True, with_comments=False)
            for code, label in Audience.choices
            if answers.get(code)
        ]
    return {
        "plan": plan,
        "institution": plan.institution,
        "activities": activities,
        "criteria": {c.code: f"Benchmark {b.number}: {c.text}" for b in spec.benchmarks for c in b.criteria},
        "benchmark_titles": {b.number: b.title for b in spec.benchmarks},
        "year_names": {y.code: y.label for y in spec.year_groups},
        "summaries": summaries,
        "page_title": f"Careers programme {plan.year_label}: {plan.institution.name}",
    }


@login_not_required
def public_plan(request: HttpRequest, token: str) -> HttpResponse:
    return TemplateResponse(request, "programmes/public.html", _context(_published(token)))


@login_not_required
def public_plan_pdf(request: HttpRequest, token: str) -> HttpResponse:
    plan = _published(token)
    response = HttpResponse(pdf.plan_pdf(_context(plan)), content_type="application/pdf")
    name = f"careers-programme-{plan.institution.urn}-{plan.academic_year}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _client_ip(request: HttpRequest) -> str:
    """The address the sign-in lock-out uses too (django-axes' resolution, proxy-aware as configured)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "unknown"


@login_not_required
@never_cache
@csrf_protect
def feedback_form(request: HttpRequest, token: str) -> HttpResponse:
    link = queries.open_feedback_link(token)
    if link is None:
        raise Http404("This feedback form is closed or does not exist")
    spec = feedback.questionnaire(link.audience)
    context: dict[str, Any] = {"link": link, "plan": link.plan, "spec": spec}
    cookie = feedback.cookie_name(link.token)
    if request.get_signed_cookie(cookie, default=None, salt=feedback.SALT) == link.token:
        return TemplateResponse(
            request, "programmes/feedback_done.html", {**context, "already": True, "page_title": "Thank you"}
        )
    form = FeedbackForm(request.POST or None, questionnaire=spec)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("website"):  # the honeypot: people never see it, so never fill it in
            return redirect("programmes:feedback-thanks", link.token)
        if feedback.rate_limited(_client_ip(request), link.token):
            form.add_error(None, "Too many answers have come from your network recently. Please try again later.")
        else:
            try:
                nonce = feedback.check_token(form.cleaned_data["form_token"], link.token)
            except feedback.TokenProblem as problem:
                form.add_error(None, str(problem))
            else:
                if not services.feedback_submit(
                    link=link, ratings=form.ratings(), comment=form.cleaned_data["comment"], nonce=nonce
                ):
                    form.add_error(None, "This form has already been sent. Thank you.")
                else:
                    response = redirect("programmes:feedback-thanks", link.token)
                    response.set_signed_cookie(
                        cookie,
                        link.token,
                        salt=feedback.SALT,
                        max_age=365 * 24 * 60 * 60,
                        httponly=True,
                        samesite="Lax",
                        secure=request.is_secure(),
                    )
                    return response
    # A fresh one-time token with every form shown (it also times how long the form took).
    data = request.POST.copy() if form.is_bound else None
    if data is not None:
        data["form_token"] = feedback.issue_token(link.token)
        fresh = FeedbackForm(data, questionnaire=spec)
        fresh.is_valid()
        for error in form.non_field_errors():
            fresh.add_error(None, error)
        form = fresh
    else:
        form = FeedbackForm(initial={"form_token": feedback.issue_token(link.token)}, questionnaire=spec)
    return TemplateResponse(
        request,
        "programmes/feedback_form.html",
        {**context, "form": form, "page_title": f"Feedback on the careers programme: {link.plan.institution.name}"},
    )


@login_not_required
def feedback_thanks(request: HttpRequest, token: str) -> HttpResponse:
    link = queries.open_feedback_link(token)
    if link is None:
        raise Http404("This feedback form is closed or does not exist")
    return TemplateResponse(
        request,
        "programmes/feedback_done.html",
        {"link": link, "plan": link.plan, "already": False, "page_title": "Thank you"},
    )
