"""Access decorators. Roles are checked here; object scoping is done by the queries."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from careershub.organisations.models import Role

F = TypeVar("F", bound=Callable[..., Any])


def organisation_not_required(view: F) -> F:
    """Mark a view that a signed-in user may use without a current organisation."""
    view.organisation_not_required = True  # type: ignore[attr-defined]
    return view


def require_roles(*roles: Role) -> Callable[[F], F]:
    """Refuse (403) a current membership whose role is not one of `roles`."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def require_write(view: F) -> F:
    """Refuse (403) read-only roles (national analyst, senior leader)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        membership = getattr(request, "membership", None)
        if membership is None or not membership.can_write:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]
