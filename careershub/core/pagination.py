"""GOV.UK pagination parameters for a Django page, keeping the other query parameters."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.http import HttpRequest


def pagination_params(request: HttpRequest, page: Page[Any]) -> dict[str, Any] | None:
    if page.paginator.num_pages <= 1:
        return None

    def href(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return "?" + query.urlencode()

    items: list[dict[str, Any]] = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
        if number == page.paginator.ELLIPSIS:
            items.append({"ellipsis": True})
        else:
            items.append({"number": number, "href": href(int(number)), "current": number == page.number})
    params: dict[str, Any] = {"items": items, "landmarkLabel": "Results pages"}
    if page.has_previous():
        params["previous"] = {"href": href(page.previous_page_number())}
    if page.has_next():
        params["next"] = {"href": href(page.next_page_number())}
    return params
