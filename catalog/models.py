"""Catalog data: one title space (movies and shows), seasons, episodes, genres, people, availability."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from catalog.regions import RegionCodeField

language_code_validator = RegexValidator(r"^[a-z]{2}$", "Use an ISO 639-1 code such as en or fr.")


class Kind(models.TextChoices):
    MOVIE = "movie", "Movie"
    SHOW = "show", "Show"


class Maturity(models.IntegerChoices):
    """An ordered scale, so "at most PG-13" is `maturity_rating__lte=Maturity.PG_13`.

    TV ratings map onto it: TV-Y/TV-G -> G, TV-PG -> PG, TV-14 -> PG-13, TV-MA -> R.
    """

    G = 0, "G"
    PG = 10, "PG"
    PG_13 = 20, "PG-13"
    R = 30, "R"
    NC_17 = 40, "NC-17"

    @classmethod
    def from_label(cls, label: str) -> "Maturity":
        normalized = label.strip().upper().replace("_", "-")
        aliases = {"TV-Y": "G", "TV-Y7": "G", "TV-G": "G", "TV-PG": "PG", "TV-14": "PG-13", "TV-MA": "R"}
        normalized = aliases.get(normalized, normalized)
        for member in cls:
            if member.label == normalized:
                return member
        raise ValueError(f"Unknown maturity rating {label!r}.")


class Genre(models.Model):
    name = models.CharField(max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    name = models.CharField(max_length=200, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name


class Title(models.Model):
    """Anything a viewer can watch: a movie, or a show with seasons and episodes."""

    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    release_date = models.DateField(null=True, blank=True)
    release_year = models.PositiveSmallIntegerField(null=True, blank=True)
    runtime_s = models.PositiveIntegerField(
        null=True, blank=True, help_text="Running time in seconds (for shows: a typical episode)."
    )
    original_language = models.CharField(max_length=2, blank=True, validators=[language_code_validator])
    maturity_rating = models.PositiveSmallIntegerField(
        choices=Maturity.choices, null=True, blank=True, help_text="Empty means not rated."
    )
    popularity = models.FloatField(default=0.0, validators=[MinValueValidator(0.0)])
    external_ids = models.JSONField(default=dict, blank=True, help_text='e.g. {"movielens": "242"}')
    genres = models.ManyToManyField(Genre, related_name="titles", blank=True)
    people = models.ManyToManyField(Person, through="Credit", related_name="titles", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["kind", "title"]),
            models.Index(fields=["kind", "-popularity"]),
            models.Index(fields=["kind", "release_date"]),
            models.Index(fields=["release_year"]),
            models.Index(fields=["maturity_rating"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.release_year})" if self.release_year else self.title


class CreditRole(models.TextChoices):
    DIRECTOR = "director", "Director"
    CREATOR = "creator", "Creator"
    WRITER = "writer", "Writer"
    CAST = "cast", "Cast"


class Credit(models.Model):
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credits")
    role = models.CharField(max_length=16, choices=CreditRole.choices)
    character = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["title", "role", "order"]
        constraints = [
            models.UniqueConstraint(fields=["title", "person", "role"], name="catalog_credit_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()}) in {self.title}"


class Season(models.Model):
    show = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="seasons", limit_choices_to={"kind": Kind.SHOW}
    )
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["show", "number"]
        constraints = [models.UniqueConstraint(fields=["show", "number"], name="catalog_season_unique_number")]

    def __str__(self) -> str:
        return f"{self.show.title} S{self.number:02d}"


class Episode(models.Model):
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="episodes")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    runtime_s = models.PositiveIntegerField(null=True, blank=True)
    air_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["season", "number"]
        constraints = [models.UniqueConstraint(fields=["season", "number"], name="catalog_episode_unique_number")]

    def __str__(self) -> str:
        return f"{self.season} E{self.number:02d} {self.title}"


class Availability(models.Model):
    """A licence window: the title may be watched in `region` from `starts_at` until `ends_at` (open if empty)."""

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="availabilities")
    region = RegionCodeField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "region", "starts_at"]
        verbose_name_plural = "availabilities"
        # Title first: visibility is a correlated "is there a window for this title" lookup per title;
        # a region-first index makes SQLite scan every window of the region for each title.
        indexes = [models.Index(fields=["title", "region", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="catalog_availability_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} in {self.region}"


class ImageKind(models.TextChoices):
    POSTER = "poster", "Poster"
    BACKDROP = "backdrop", "Backdrop"
    LOGO = "logo", "Logo"
    THUMB = "thumb", "Thumb"
    STILL = "still", "Still"
    HEADSHOT = "headshot", "Headshot"


def image_upload_path(image: "Image", filename: str) -> str:
    # The name a viewer sees never matters (images are served by id); a random one avoids clashes.
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:5]
    return f"catalog/images/{uuid.uuid4().hex}{suffix}"


class Image(models.Model):
    """Artwork of a title, a season, an episode or a person; sized copies are made from it (catalog/artwork.py).

    `generated` artwork has no file: it is drawn from the owner's name on first use, so seeding stays fast.
    """

    title = models.ForeignKey(Title, on_delete=models.CASCADE, null=True, blank=True, related_name="images")
    season = models.ForeignKey(Season, on_delete=models.CASCADE, null=True, blank=True, related_name="images")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, null=True, blank=True, related_name="images")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="images")
    kind = models.CharField(max_length=16, choices=ImageKind.choices)
    language = models.CharField(
        max_length=2, blank=True, validators=[language_code_validator], help_text="Empty: no text, any language."
    )
    file = models.ImageField(upload_to=image_upload_path, blank=True, width_field="width", height_field="height")
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    focal_x = models.FloatField(
        default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)], help_text="0 left .. 1 right."
    )
    focal_y = models.FloatField(
        default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)], help_text="0 top .. 1 bottom."
    )
    generated = models.BooleanField(default=False, help_text="Drawn from the name (demo artwork); no file.")
    version = models.CharField(max_length=16, blank=True, editable=False, help_text="Changes when the file does.")
    position = models.PositiveSmallIntegerField(default=0)
    source_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "position", "id"]
        indexes = [
            models.Index(fields=["title", "kind", "position"]),
            models.Index(fields=["person", "kind", "position"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(title__isnull=False, season__isnull=True, episode__isnull=True, person__isnull=True)
                    | Q(title__isnull=True, season__isnull=False, episode__isnull=True, person__isnull=True)
                    | Q(title__isnull=True, season__isnull=True, episode__isnull=False, person__isnull=True)
                    | Q(title__isnull=True, season__isnull=True, episode__isnull=True, person__isnull=False)
                ),
                name="catalog_image_one_owner",
            ),
            models.CheckConstraint(condition=Q(generated=True) | ~Q(file=""), name="catalog_image_file_or_generated"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.owner}"

    @property
    def owner(self):
        return self.title or self.season or self.episode or self.person


class ExtraKind(models.TextChoices):
    TRAILER = "trailer", "Trailer"
    TEASER = "teaser", "Teaser"
    CLIP = "clip", "Clip"
    FEATURETTE = "featurette", "Featurette"


class Extra(models.Model):
    """A trailer, teaser or clip of a title, listed on its page."""

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="extras")
    kind = models.CharField(max_length=16, choices=ExtraKind.choices)
    name = models.CharField(max_length=300)
    language = models.CharField(max_length=2, blank=True, validators=[language_code_validator])
    runtime_s = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["title", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"
