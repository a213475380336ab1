from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from careershub.programmes import feedback, services
from careershub.programmes.models import FeedbackResponse
from careershub.programmes.tests.factories import make_activity, make_plan
from conftest import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def publish(cast: Cast, **choices: Any):  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    shown = make_activity(plan, cast, title="Visits to Trafford Park", owner="Jo Patel", budget_pence=45_050)
    hidden = make_activity(plan, cast, title="Secret pilot", is_published=False)
    plan = services.plan_publish_settings(
        plan=plan, expected_version=1, actor=cast.careers_leader, is_published=True, introduction="Hello", **choices
    )
    return plan, shown, hidden


def test_public_page_shows_only_what_is_chosen(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan, _shown, _hidden = publish(cast)
    content = Client().get(reverse("programmes:public", args=[plan.public_token])).content.decode()
    assert "Visits to Trafford Park" in content and "Secret pilot" not in content
    assert "Learners describe three jobs" in content  # outcomes shown by default
    assert "Jo Patel" not in content and "£450.50" not in content  # owner and budget hidden by default
    plan = services.plan_publish_settings(
        plan=plan,
        expected_version=plan.version,
        actor=cast.careers_leader,
        show_owner=True,
        show_budget=True,
        show_outcomes=False,
    )
    content = Client().get(reverse("programmes:public", args=[plan.public_token])).content.decode()
    assert "Jo Patel" in content and "£450.50" in content and "Learners describe three jobs" not in content


def test_pdf_has_the_published_activities_only(cast: Cast) -> None:
    plan, _shown, _hidden = publish(cast)
    response = Client().get(reverse("programmes:public-pdf", args=[plan.public_token]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    from careershub.programmes import pdf, views_public

    document = pdf.plan_document(views_public._context(views_public._published(plan.public_token)))
    text = "".join(box.text for page in document.pages for box in _texts(page._page_box))
    assert "Visits to Trafford Park" in text and "Secret pilot" not in text and "Jo Patel" not in text


def _texts(box):  # type: ignore[no-untyped-def]
    if hasattr(box, "text"):
        yield box
    for child in getattr(box, "children", ()):
        yield from _texts(child)


def test_new_address_withdraws_the_old_one(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan, _s, _h = publish(cast)
    old = plan.public_token
    assert client_as("careers_leader").post(reverse("programmes:new-address", args=[plan.pk])).status_code == 302
    plan.refresh_from_db()
    assert plan.public_token != old
    assert Client().get(reverse("programmes:public", args=[old])).status_code == 404
    assert Client().get(reverse("programmes:public", args=[plan.public_token])).status_code == 200


def test_publish_form_refuses_a_stale_save(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan, shown, _hidden = publish(cast)  # version is now 2
    response = client_as("careers_leader").post(
        reverse("programmes:publish", args=[plan.pk]),
        {"is_published": "", "introduction": "Mine", "version": "1", "activities": [str(shown.pk)]},
    )
    assert response.status_code == 200 and "changed this after you opened it" in response.content.decode()
    plan.refresh_from_db()
    assert plan.is_published and plan.introduction == "Hello"


# Feedback -------------------------------------------------------------------------------------

ANSWERS = {"s_know": "5", "s_helped": "4", "s_information": "4", "s_employers": "2", "comment": "More employers"}


def open_link(cast: Cast):  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    return services.feedback_link_open(plan=plan, audience="learners", actor=cast.careers_leader)


def form_token(client: Client, url: str) -> str:
    content = client.get(url).content.decode()
    start = content.index('name="form_token"')
    value = content[start:].split('value="', 1)[1]
    return value.split('"', 1)[0]


@override_settings(PROGRAMMES_FEEDBACK_MIN_SECONDS=0)
def test_feedback_is_stored_once_and_the_cookie_remembers(cast: Cast) -> None:
    link = open_link(cast)
    url = reverse("programmes:feedback-form", args=[link.token])
    client = Client()
    page = client.get(url).content.decode()
    assert "We do not ask for your name" in page
    token = form_token(client, url)
    response = client.post(url, {**ANSWERS, "form_token": token})
    assert response.status_code == 302
    saved = FeedbackResponse.objects.get()
    assert saved.ratings == {"know": "5", "helped": "4", "information": "4", "employers": "2"}
    assert saved.comment == "More employers"
    # The same browser is told it has answered; the same token from another browser is refused.
    assert "You have already given feedback" in client.get(url).content.decode()
    replay = Client().post(url, {**ANSWERS, "form_token": token})
    assert "already been sent" in replay.content.decode()
    assert FeedbackResponse.objects.count() == 1


def test_feedback_sent_too_quickly_is_refused(cast: Cast) -> None:
    link = open_link(cast)
    url = reverse("programmes:feedback-form", args=[link.token])
    client = Client()
    response = client.post(url, {**ANSWERS, "form_token": form_token(client, url)})
    assert "That was very quick" in response.content.decode()
    assert not FeedbackResponse.objects.exists()


@override_settings(PROGRAMMES_FEEDBACK_MIN_SECONDS=0)
def test_honeypot_and_forged_tokens_store_nothing(cast: Cast) -> None:
    link = open_link(cast)
    url = reverse("programmes:feedback-form", args=[link.token])
    client = Client()
    response = client.post(url, {**ANSWERS, "form_token": form_token(client, url), "website": "http://spam"})
    assert response.status_code == 302
    forged = Client().post(url, {**ANSWERS, "form_token": "made-up"})
    assert "could not be checked" in forged.content.decode()
    other_link = services.feedback_link_open(plan=link.plan, audience="parents", actor=cast.careers_leader)
    wrong = Client().post(url, {**ANSWERS, "form_token": feedback.issue_token(other_link.token)})
    assert "could not be checked" in wrong.content.decode()
    assert not FeedbackResponse.objects.exists()


@override_settings(PROGRAMMES_FEEDBACK_MIN_SECONDS=0, PROGRAMMES_FEEDBACK_RATE=2)
def test_rate_limit_per_address(cast: Cast) -> None:
    link = open_link(cast)
    url = reverse("programmes:feedback-form", args=[link.token])
    for n in range(3):
        client = Client()
        response = client.post(url, {**ANSWERS, "form_token": form_token(client, url)})
        assert (response.status_code == 302) == (n < 2)
    assert "Too many answers" in response.content.decode()
    assert FeedbackResponse.objects.count() == 2


def test_expired_token() -> None:
    token = feedback.issue_token("abc", now=time.time() - 2 * 24 * 60 * 60)
    with pytest.raises(feedback.TokenProblem, match="expired"):
        feedback.check_token(token, "abc")


def test_closed_link_is_404(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    link = open_link(cast)
    client_as("careers_leader").post(reverse("programmes:feedback-close", args=[link.plan.pk, link.pk]))
    assert Client().get(reverse("programmes:feedback-form", args=[link.token])).status_code == 404


def _answers(link, ratings: list[str]) -> None:  # type: ignore[no-untyped-def]
    for n, value in enumerate(ratings):
        services.feedback_submit(
            link=link,
            ratings={"know": value, "helped": "4", "information": "4", "employers": "4"},
            comment=f"comment {n}",
            nonce=f"n{link.pk}-{n}",
        )


def test_summary_for_the_careers_leader_has_comments_and_all_counts(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    link = open_link(cast)
    _answers(link, ["5", "5", "4"])
    content = client_as("careers_leader").get(reverse("programmes:feedback", args=[link.plan.pk])).content.decode()
    assert "3 answers" in content and "comment 0" in content
    senior = client_as("senior_leader").get(reverse("programmes:feedback", args=[link.plan.pk])).content.decode()
    assert "3 answers" in senior and "comment 0" not in senior


def test_public_summary_is_suppressed(cast: Cast) -> None:
    link = open_link(cast)
    plan = services.plan_publish_settings(
        plan=link.plan, expected_version=1, actor=cast.careers_leader, is_published=True, show_feedback=True
    )
    _answers(link, ["5", "5", "4"])
    content = Client().get(reverse("programmes:public", args=[plan.public_token])).content.decode()
    assert "fewer than 5 answers (not shown)" in content and "comment 0" not in content
    _answers(services.feedback_link_open(plan=plan, audience="staff", actor=None), [])
    FeedbackResponse.objects.all().delete()
    _answers(link, ["5"] * 6 + ["1"])
    summary = feedback.summarise(
        "learners",
        "Learners",
        [(r.ratings, r.comment) for r in FeedbackResponse.objects.all()],
        suppress=True,
        with_comments=False,
    )
    know = summary.statements[0]
    shown = {cell.label: cell.shown for cell in know.cells}
    assert summary.responses == 7 and summary.comments == ()
    # 6 "Strongly agree" and 1 "Strongly disagree": the 1 is withheld, and so is the 6, or the 1
    # could be worked out from the total.
    assert shown["Strongly disagree"] == "[c]" and shown["Strongly agree"] == "[c]" and know.answered == 7
    content = Client().get(reverse("programmes:public", args=[plan.public_token])).content.decode()
    assert "7 answers" in content


def test_feedback_data_file_is_valid() -> None:
    specs = feedback.questionnaires()
    assert set(specs) == {"learners", "parents", "staff", "employers"}
    with pytest.raises(feedback.FeedbackDataError):
        feedback.parse({"scale": [], "audiences": {"learners": {"intro": "x", "statements": [], "comment": "y"}}})


def test_publish_form_leaves_activities_it_did_not_show_alone(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan, shown, hidden = publish(cast)
    client = client_as("careers_leader")
    page = client.get(reverse("programmes:publish", args=[plan.pk])).content.decode()
    assert f'name="shown" value="{shown.pk},{hidden.pk}"' in page or f'value="{hidden.pk},{shown.pk}"' in page
    form = {"is_published": "on", "introduction": "Hello", "version": str(plan.version), "activities": [str(shown.pk)]}
    # Added after the form was opened: published by default, and not unpublished by this save.
    late = make_activity(plan, cast, title="Added meanwhile")
    shown_then = f"{shown.pk},{hidden.pk}"
    response = client.post(reverse("programmes:publish", args=[plan.pk]), {**form, "shown": shown_then})
    assert response.status_code == 302
    late.refresh_from_db()
    hidden.refresh_from_db()
    assert late.is_published and not hidden.is_published


def test_publishing_an_activity_elsewhere_makes_an_open_publish_form_stale(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan, shown, hidden = publish(cast)
    loaded_version = plan.version
    services.planned_activity_update(
        activity=hidden, expected_version=hidden.version, actor=cast.careers_leader, is_published=True
    )
    response = client_as("careers_leader").post(
        reverse("programmes:publish", args=[plan.pk]),
        {"is_published": "on", "introduction": "Hello", "version": str(loaded_version), "activities": [str(shown.pk)]},
    )
    assert "changed this after you opened it" in response.content.decode()
    hidden.refresh_from_db()
    assert hidden.is_published
