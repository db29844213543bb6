"""Writes of catalog data: popularity updates, the demo catalog and the MovieLens import."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog import artwork, demo_data
from catalog.models import (
    Availability,
    Credit,
    Episode,
    Extra,
    ExtraKind,
    Genre,
    Image,
    ImageKind,
    Kind,
    Maturity,
    Person,
    Season,
    Title,
)
from streaming_platform.boundary import boundary

MOVIELENS_REGION = "US"
MOVIELENS_KEY = "movielens"
DEMO_KEY = "demo"
BATCH_SIZE = 500
# Articles MovieLens moves to the end ("Godfather, The"); titles read better, and search better, with them in front.
TRAILING_ARTICLES = ("The", "A", "An", "Das", "Der", "Die", "El", "Il", "La", "Le", "Les", "L'")


@boundary
def title_popularity_set(*, title: Title, popularity: float) -> Title:
    """Sets the popularity figure lists order by (recommendation and analytics compute it)."""
    title.popularity = float(popularity)
    title.full_clean(validate_unique=False, validate_constraints=False)
    Title.objects.filter(pk=title.pk).update(popularity=title.popularity)
    return title


@boundary
def titles_popularity_update(*, scores: Mapping[int, float]) -> int:
    """Sets many titles' popularity at once ({title_id: popularity}); returns how many titles changed."""
    titles = list(Title.objects.filter(pk__in=list(scores)).only("id", "popularity"))
    for title in titles:
        title.popularity = max(0.0, float(scores[title.pk]))
    with transaction.atomic():
        Title.objects.bulk_update(titles, ["popularity"], batch_size=BATCH_SIZE)
    return len(titles)


def natural_keys(source: str) -> set[str]:
    """The `external_ids[source]` values present (as text: the JSON may hold "42" or 42)."""
    values = Title.objects.filter(external_ids__has_key=source).values_list(f"external_ids__{source}", flat=True)
    return {str(value) for value in values}


# --- MovieLens -----------------------------------------------------------------------------------


def movielens_title(raw: str) -> str:
    """`Godfather: Part II, The` -> `The Godfather: Part II`."""
    raw = raw.strip()
    for article in TRAILING_ARTICLES:
        suffix = f", {article}"
        if raw.endswith(suffix):
            separator = "" if article.endswith("'") else " "
            return f"{article}{separator}{raw[: -len(suffix)]}"
    return raw


def read_movielens_items(path: Path) -> list[dict]:
    """Rows of `ml-100k.item`: id, title, year (or None) and genre names (`unknown` dropped)."""
    rows = []
    with path.open(encoding="utf-8", errors="replace") as lines:
        header = next(lines, "")
        if not header.startswith("item_id"):
            raise ValueError(f"{path} does not start with the item_id header.")
        for line in lines:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 2 or not fields[0].strip():
                continue
            year = fields[2].strip() if len(fields) > 2 else ""
            genres = fields[3].split() if len(fields) > 3 else []
            rows.append(
                {
                    "id": fields[0].strip(),
                    "title": movielens_title(fields[1]),
                    "year": int(year) if year.isdigit() else None,
                    "genres": [genre for genre in genres if genre.lower() != "unknown"],
                }
            )
    return rows


def genres_ensure(names: list[str]) -> dict[str, Genre]:
    """Genres by name, creating the missing ones (slugs from names)."""
    existing = {genre.name: genre for genre in Genre.objects.filter(name__in=names)}
    missing = [Genre(name=name, slug=slugify(name.replace("'", ""))) for name in names if name not in existing]
    for genre in missing:
        genre.full_clean(validate_unique=False)
    Genre.objects.bulk_create(missing, ignore_conflicts=True)
    return {genre.name: genre for genre in Genre.objects.filter(name__in=names)}


@boundary
def movielens_titles_import(*, directory: Path, stdout=None) -> int:
    """Titles from MovieLens `ml-100k.item` with genres and years, available in the US. Idempotent.

    Each title carries `external_ids={"movielens": "<item id>"}`; items already imported are skipped.
    Returns the number of titles created.
    """

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    rows = read_movielens_items(Path(directory) / "ml-100k.item")
    existing = natural_keys(MOVIELENS_KEY)
    todo = [row for row in rows if row["id"] not in existing]
    say(f"Catalog: {len(rows)} MovieLens titles, {len(rows) - len(todo)} already imported.")
    if not todo:
        return 0
    # Windows opened at the data set's era, so the titles are available now and ever since.
    since = dt.datetime(1998, 1, 1, tzinfo=dt.UTC)
    created = 0
    with transaction.atomic():
        genres = genres_ensure(sorted({name for row in todo for name in row["genres"]}))
        for start in range(0, len(todo), BATCH_SIZE):
            batch = todo[start : start + BATCH_SIZE]
            titles = [
                Title(
                    kind=Kind.MOVIE,
                    title=row["title"][:300],
                    release_year=row["year"],
                    original_language="en",
                    external_ids={MOVIELENS_KEY: row["id"]},
                )
                for row in batch
            ]
            for title in titles:
                title.full_clean(exclude=["genres", "people"], validate_unique=False, validate_constraints=False)
            titles = Title.objects.bulk_create(titles)
            Availability.objects.bulk_create(
                Availability(title=title, region=MOVIELENS_REGION, starts_at=since) for title in titles
            )
            Title.genres.through.objects.bulk_create(
                Title.genres.through(title_id=title.pk, genre_id=genres[name].pk)
                for title, row in zip(titles, batch, strict=True)
                for name in row["genres"]
            )
            generated_artwork_create(titles=titles)
            created += len(titles)
            say(f"Catalog: imported {created}/{len(todo)} titles.")
    return created


# --- Demo catalog --------------------------------------------------------------------------------


@boundary
def demo_catalog_seed(*, rng: random.Random, titles: int, stdout=None) -> int:
    """A synthetic catalog of `titles` movies and shows, deterministic for `rng`. Returns titles created.

    Idempotent: each generated title has a natural key (`external_ids["demo"]`), and titles already
    present are not created again, so a second run with the same sizes adds nothing.
    """

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    specs = demo_data.title_specs(rng, titles)
    existing = natural_keys(DEMO_KEY)
    todo = [spec for spec in specs if spec["key"] not in existing]
    if not todo:
        say("Catalog: demo titles already present.")
        return 0
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        genres = genres_ensure(list(demo_data.GENRES))
        people = people_ensure(sorted({credit["name"] for spec in todo for credit in spec["credits"]}))
        for start in range(0, len(todo), BATCH_SIZE):
            demo_titles_create(todo[start : start + BATCH_SIZE], genres=genres, people=people, now=now)
            say(f"Catalog: created {min(start + BATCH_SIZE, len(todo))}/{len(todo)} demo titles.")
    return len(todo)


def people_ensure(names: list[str]) -> dict[str, Person]:
    existing = {person.name: person for person in Person.objects.filter(name__in=names)}
    created = Person.objects.bulk_create(Person(name=name) for name in names if name not in existing)
    generated_artwork_create(people=created)  # bulk_create returns primary keys on SQLite and PostgreSQL
    return {person.name: person for person in Person.objects.filter(name__in=names)}


def demo_titles_create(specs: list[dict], *, genres: dict[str, Genre], people: dict[str, Person], now) -> None:
    titles = []
    for spec in specs:
        title = Title(
            kind=spec["kind"],
            title=spec["title"],
            description=spec["description"],
            release_date=spec["release_date"],
            release_year=spec["release_date"].year,
            runtime_s=spec["runtime_s"],
            original_language=spec["language"],
            maturity_rating=Maturity.from_label(spec["maturity"]) if spec["maturity"] else None,
            popularity=spec["popularity"],
            external_ids={DEMO_KEY: spec["key"]},
        )
        title.full_clean(exclude=["genres", "people"], validate_unique=False, validate_constraints=False)
        titles.append(title)
    titles = Title.objects.bulk_create(titles)
    Title.genres.through.objects.bulk_create(
        Title.genres.through(title_id=title.pk, genre_id=genres[name].pk)
        for title, spec in zip(titles, specs, strict=True)
        for name in spec["genres"]
    )
    Credit.objects.bulk_create(
        Credit(title=title, person=people[credit["name"]], role=credit["role"], character=credit["character"], order=i)
        for title, spec in zip(titles, specs, strict=True)
        for i, credit in enumerate(spec["credits"])
    )
    generated_artwork_create(titles=titles)
    Extra.objects.bulk_create(
        Extra(
            title=title,
            kind=ExtraKind.TRAILER,
            name=f"{title.title}: official trailer",
            language=title.original_language,
            runtime_s=90 + title.pk % 90,
        )
        for title in titles
    )
    Availability.objects.bulk_create(
        Availability(
            title=title,
            region=window["region"],
            starts_at=now + dt.timedelta(days=window["start_day"]),
            ends_at=None if window["end_day"] is None else now + dt.timedelta(days=window["end_day"]),
        )
        for title, spec in zip(titles, specs, strict=True)
        for window in spec["windows"]
    )
    seasons = Season.objects.bulk_create(
        Season(show=title, number=season["number"], title=f"Season {season['number']}")
        for title, spec in zip(titles, specs, strict=True)
        for season in spec["seasons"]
    )
    season_specs = [season for spec in specs for season in spec["seasons"]]
    Episode.objects.bulk_create(
        Episode(season=season, **episode)
        for season, season_spec in zip(seasons, season_specs, strict=True)
        for episode in season_spec["episodes"]
    )


# --- Artwork ----------------------------------------------------------------------------------------

GENERATED_TITLE_KINDS = (ImageKind.POSTER, ImageKind.BACKDROP)


@boundary
def generated_artwork_create(*, titles: Sequence[Title] = (), people: Sequence[Person] = ()) -> int:
    """Demo artwork (a poster and a backdrop per title, a headshot per person), drawn on first request.

    Only rows are written, so seeding 100k titles stays a matter of seconds. Returns the images created.
    """
    images = [
        Image(
            title_id=title.pk, kind=kind, generated=True, version=artwork.version_of(f"{kind}:{title.title}".encode())
        )
        for title in titles
        for kind in GENERATED_TITLE_KINDS
    ]
    images += [
        Image(
            person_id=person.pk,
            kind=ImageKind.HEADSHOT,
            generated=True,
            version=artwork.version_of(f"headshot:{person.name}".encode()),
        )
        for person in people
    ]
    Image.objects.bulk_create(images, batch_size=BATCH_SIZE)
    return len(images)


@boundary
def image_create(
    *,
    kind: str,
    data: bytes,
    filename: str = "image",
    title: Title | None = None,
    season: Season | None = None,
    episode: Episode | None = None,
    person: Person | None = None,
    language: str = "",
    focal_x: float = 0.5,
    focal_y: float = 0.5,
    position: int = 0,
    source_url: str = "",
) -> Image:
    """Stores an uploaded image (JPEG, PNG or WebP, size-checked) for one owner; ValidationError when refused."""
    image_format = artwork.check_image_bytes(data)
    image = Image(
        title=title,
        season=season,
        episode=episode,
        person=person,
        kind=kind,
        language=language,
        focal_x=focal_x,
        focal_y=focal_y,
        position=position,
        source_url=source_url,
        version=artwork.version_of(data),
    )
    image.full_clean(exclude=["file"], validate_constraints=False)
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[image_format]
    with transaction.atomic():
        image.file.save(f"{Path(filename).stem or 'image'}.{extension}", ContentFile(data), save=False)
        image.full_clean()
        image.save()
    return image


@boundary
def image_import_from_url(*, url: str, kind: str, allow_private: bool = False, **owner_and_details) -> Image:
    """Downloads an image (http/https, public host, JPEG/PNG/WebP, at most the upload limit) and stores it."""
    data, _ = artwork.download_image(url, allow_private=allow_private)
    return image_create(
        kind=kind, data=data, filename=Path(url.split("?")[0]).name, source_url=url, **owner_and_details
    )
