"""Results of a submitted evaluation: page with charts and tables, PDF report, CSV; hub view."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def results(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def answers_csv(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def hub_overview(request: HttpRequest, hub_pk: int) -> HttpResponse:
    raise Http404
