"""My List: the titles a profile keeps to watch later (writes and reads), and the catalog's `in_list` flag."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet

from catalog.models import Title
from catalog.selectors import titles_visible_to
from identity import events
from identity.models import ListEntry
from identity.profile_selectors import profile_of
from streaming_platform.boundary import boundary
from streaming_platform.errors import Conflict

# A profile's list holds at most this many titles (adding one more is a 409).
LIST_MAX_ENTRIES = 500
LIST_ORDERS = ("added", "own")


class ListFull(Conflict):
    """The profile's list already holds LIST_MAX_ENTRIES titles (409 `list_full`)."""

    code = "list_full"

    def __init__(self):
        super().__init__(f"My List holds at most {LIST_MAX_ENTRIES} titles; remove one first.")


@boundary
def list_add(*, user, title: Title) -> tuple[ListEntry, bool]:
    """Puts a title on the acting profile's list (at the end of its own order); idempotent: (entry, created)."""
    profile = profile_of(user)
    existing = ListEntry.objects.filter(profile=profile, title=title).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            entries = ListEntry.objects.filter(profile=profile)
            if entries.count() >= LIST_MAX_ENTRIES:
                raise ListFull
            last = entries.aggregate(last=Max("position"))["last"]
            entry = ListEntry.objects.create(profile=profile, title=title, position=0 if last is None else last + 1)
    except IntegrityError:
        # The same title added twice at once: the other request made the entry.
        return ListEntry.objects.get(profile=profile, title=title), False
    events.list_changed.send_on_commit(user=user, profile_id=profile.pk)
    return entry, True


@boundary
def list_remove(*, user, title_id: int) -> bool:
    """Takes a title off the acting profile's list; False when it was not on it."""
    profile = profile_of(user)
    deleted, _ = ListEntry.objects.filter(profile=profile, title_id=title_id).delete()
    if deleted:
        events.list_changed.send_on_commit(user=user, profile_id=profile.pk)
    return bool(deleted)


@boundary
def list_reorder(*, user, title_ids: list[int]) -> None:
    """The viewer's own order: `title_ids` first, in that order; the rest keep theirs after them."""
    profile = profile_of(user)
    if len(set(title_ids)) != len(title_ids):
        raise ValidationError({"titles": ["Each title once."]})
    with transaction.atomic():
        entries = list(ListEntry.objects.select_for_update().filter(profile=profile).order_by("position", "id"))
        by_title = {entry.title_id: entry for entry in entries}
        unknown = [title_id for title_id in title_ids if title_id not in by_title]
        if unknown:
            raise ValidationError({"titles": [f"Not on the list: {', '.join(map(str, unknown))}."]})
        named = set(title_ids)
        ordered = [by_title[title_id] for title_id in title_ids] + [e for e in entries if e.title_id not in named]
        for position, entry in enumerate(ordered):
            entry.position = position
        ListEntry.objects.bulk_update(ordered, ["position"])
    events.list_changed.send_on_commit(user=user, profile_id=profile.pk)


@boundary
def list_for(*, user, order: str = "added") -> QuerySet[ListEntry]:
    """The acting profile's list, newest first (`added`) or in its own order (`own`), limited to what the
    profile may see now: an entry whose title left the region or the controls is hidden, not deleted."""
    if order not in LIST_ORDERS:
        raise ValidationError({"order": [f"One of: {', '.join(LIST_ORDERS)}."]})
    entries = ListEntry.objects.filter(profile=profile_of(user), title__in=titles_visible_to(user)).select_related(
        "title"
    )
    return entries.order_by("position", "id") if order == "own" else entries.order_by("-added_at", "-id")


@boundary
def list_title_ids_among(user, title_ids: Iterable[int]) -> set[int]:
    """Which of `title_ids` are on the acting profile's list: one query for a page of cards."""
    if user is None or not user.is_authenticated:
        return set()
    ids = list(title_ids)
    if not ids:
        return set()
    return set(ListEntry.objects.filter(profile=profile_of(user), title_id__in=ids).values_list("title_id", flat=True))


@boundary
def list_title_ids_for(*, user) -> list[int]:
    """Every title on the acting profile's list (the recommender counts them as weak likes)."""
    return list(ListEntry.objects.filter(profile=profile_of(user)).values_list("title_id", flat=True))
