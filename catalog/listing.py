"""The `in_list` flag of title cards: which titles of a page a signed-in viewer keeps on their list.

The identity service knows the lists; it registers a provider in IdentityConfig.ready(), so the catalog asks
without importing identity. With no provider (or an anonymous caller) the flag is null.
"""

import json
from collections.abc import Callable, Iterable

from django.http import HttpResponse
from rest_framework.response import Response

ListedProvider = Callable[[object, Iterable[int]], set[int]]
_provider: ListedProvider | None = None


def listed_provider_register(provider: ListedProvider) -> None:
    global _provider
    _provider = provider


def _cards_of(data) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return [card for card in data["results"] if isinstance(card, dict) and "id" in card]
    if isinstance(data, dict) and "id" in data and "kind" in data:
        return [data]  # a title's page
    return []


def listed_mark(user, response) -> HttpResponse:
    """Sets `in_list` on the cards of a catalog answer (one provider call, one query, for the whole page).

    A page kept rendered in the cache (a plain JSON HttpResponse) is read, marked and written again: the
    cache holds what every profile with the same restrictions sees, the flag is this caller's own.
    """
    if _provider is None or user is None or not user.is_authenticated or not 200 <= response.status_code < 300:
        return response
    if isinstance(response, Response):
        cards = _cards_of(response.data)
        listed = _provider(user, [card["id"] for card in cards]) if cards else set()
        for card in cards:
            card["in_list"] = card["id"] in listed
        return response
    if response.get("Content-Type", "").startswith("application/json"):
        data = json.loads(response.content)
        cards = _cards_of(data)
        if cards:
            listed = _provider(user, [card["id"] for card in cards])
            for card in cards:
                card["in_list"] = card["id"] in listed
            response.content = json.dumps(data, separators=(",", ":")).encode()
    return response
