"""Evidence per criterion: links, uploaded files (type checked by content) and notes."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def evidence(request: HttpRequest, pk: int, criterion: str) -> HttpResponse:
    raise Http404


def evidence_remove(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    raise Http404


def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    raise Http404
