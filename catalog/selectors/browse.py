"""Reads for browsing: genres with their counts, a genre's titles, people, typed search results, images.

Each applies the one visibility rule (`catalog.selectors.titles_visible_to`): what a viewer may not see is
"not found", the same as what does not exist.
"""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from catalog.models import Credit, Genre, Image, Person, Title
from catalog.restrictions import content_restrictions_for
from catalog.selectors import images_ordered, titles_visible_to, with_list_relations
from streaming_platform.boundary import boundary
from streaming_platform.errors import NotFound


@boundary
def genres_with_title_counts(*, user, region: str | None = None) -> list[Genre]:
    """Every genre the viewer may browse, each with `title_count`: titles of it the viewer may see now.

    Genres the viewer's parental controls block are left out. One pass over the genre links of visible titles.
    """
    blocked = content_restrictions_for(user).blocked_genre_ids
    visible = titles_visible_to(user, region).order_by().values("pk")
    counts = dict(
        Title.genres.through.objects.filter(title_id__in=visible)
        .order_by()
        .values("genre_id")
        .annotate(titles=Count("title_id"))
        .values_list("genre_id", "titles")  # type: ignore[misc]  # an annotation the stubs do not follow
    )
    genres = list(Genre.objects.exclude(pk__in=blocked).order_by("name"))
    for genre in genres:
        genre.title_count = counts.get(genre.pk, 0)  # type: ignore[attr-defined]  # read by the serializer
    return genres


@boundary
def genre_get_visible(*, user, slug: str) -> Genre:
    """The genre of `slug` unless the viewer's controls block it; NotFound otherwise."""
    genre = Genre.objects.filter(slug=str(slug).lower()).first()
    if genre is None or genre.pk in content_restrictions_for(user).blocked_genre_ids:
        raise NotFound("No such genre.")
    return genre


@boundary
def genre_titles(*, user, genre: Genre, region: str | None = None, kind: str = "") -> QuerySet[Title]:
    """Visible titles of `genre` (and of `kind`, when given), ready to serialize as cards."""
    titles = titles_visible_to(user, region).filter(
        Exists(Title.genres.through.objects.filter(title=OuterRef("pk"), genre=genre))
    )
    if kind:
        titles = titles.filter(kind=kind)
    return with_list_relations(titles)


def credited_on_visible(user, region: str | None) -> Q:
    """People with at least one credit on a title the viewer may see."""
    visible = titles_visible_to(user, region).order_by().values("pk")
    return Q(Exists(Credit.objects.filter(person=OuterRef("pk"), title_id__in=visible)))


@boundary
def person_get_visible(*, user, person_id: int, region: str | None = None) -> Person:
    """A person with their images and `visible_credits` (credits on titles the viewer may see, newest first).

    NotFound when there is no such person or none of their titles is visible (the two look the same).
    """
    visible = titles_visible_to(user, region).order_by().values("pk")
    credits = (
        Credit.objects.filter(title_id__in=visible)
        .select_related("title")
        .prefetch_related(
            Prefetch("title__genres", queryset=Genre.objects.order_by("name")),
            Prefetch("title__images", queryset=images_ordered()),
        )
        .order_by("-title__release_year", "title__title", "role", "id")
    )
    try:
        person = Person.objects.prefetch_related(
            Prefetch("images", queryset=images_ordered()),
            Prefetch("credits", queryset=credits, to_attr="visible_credits"),
        ).get(pk=int(person_id))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such person.") from None
    if not person.visible_credits:
        raise NotFound("No such person.")
    return person


SEARCH_TYPED_LIMIT = 10


@boundary
def search_people(*, query: str, user, region: str | None = None, limit: int = SEARCH_TYPED_LIMIT) -> list[Person]:
    """People whose name has every word of `query`, credited on a title the viewer may see, with their images."""
    words = (query or "").split()
    if not words:
        return []
    people = Person.objects.filter(credited_on_visible(user, region))
    for word in words[:8]:
        people = people.filter(name__icontains=word)
    return list(people.prefetch_related(Prefetch("images", queryset=images_ordered())).order_by("name", "id")[:limit])


@boundary
def search_genres(*, query: str, user, limit: int = SEARCH_TYPED_LIMIT) -> list[Genre]:
    """Genres whose name or slug contains `query`, less those the viewer's controls block."""
    query = (query or "").strip()
    if not query:
        return []
    blocked = content_restrictions_for(user).blocked_genre_ids
    genres = Genre.objects.filter(Q(name__icontains=query) | Q(slug__icontains=query)).exclude(pk__in=blocked)
    return list(genres.order_by("name")[:limit])


@boundary
def image_get_visible(*, user, image_id: int, region: str | None = None) -> Image:
    """The image if the viewer may see what it shows (its title, the show of its season or episode, or a
    person credited on a visible title); NotFound otherwise."""
    image = Image.objects.select_related("season", "episode__season").filter(pk=image_id).first()
    if image is None:
        raise NotFound("No such image.")
    if image.person_id is not None:
        visible = Person.objects.filter(credited_on_visible(user, region), pk=image.person_id).exists()
    else:
        if image.title_id is not None:
            title_id = image.title_id
        elif image.season is not None:
            title_id = image.season.show_id
        else:
            assert image.episode is not None  # an image has exactly one owner (a check constraint)
            title_id = image.episode.season.show_id
        visible = titles_visible_to(user, region).filter(pk=title_id).exists()
    if not visible:
        raise NotFound("No such image.")
    return image
