"""One authorization matrix for every endpoint of every service, checked against the URL configuration.

Every route under /api/ and each of its methods must have a row here, so a new endpoint cannot be
added without deciding who may call it. Each row is called as five identities on a fresh database:
anonymous, the owner of the records in the path (their main profile), another viewer, staff, and a kids
profile of the owner's account (the owner's expectation unless the row says otherwise).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

IDENTITIES = ("anonymous", "owner", "other", "staff", "kids")
DOCUMENTATION_ROUTES = {":schema", ":docs"}


@dataclass
class World:
    """The records every row may point at; all of them belong to `owner`."""

    owner: object
    other: object
    staff: object
    title: object
    show: object
    episode: object
    history_entry: object
    session: object
    person: object = None
    poster: object = None
    device: object = None  # a bearer token of the owner's, signed in on another device
    main_profile: object = None
    extra_profile: object = None
    kids_profile: object = None

    def format(self, template: str) -> str:
        values = {
            "owner": self.owner.pk,
            "title": self.title.pk,
            "show": self.show.pk,
            "entry": self.history_entry.pk,
            "session": self.session.pk,
            "person": self.person.pk,
            "main_profile": self.main_profile.pk,
            "extra_profile": self.extra_profile.pk,
            "kids_profile": self.kids_profile.pk,
            "poster": f"{self.poster.pk}/160/{self.poster.version}.jpg",
            "device": getattr(self.device, "token_key", ""),
        }
        for view_name in (
            "stream:session-manifest",
            "stream:session-steering",
            "stream:session-report",
            "stream:session-end",
        ):
            placeholder = "{signed:" + view_name + "}"
            if placeholder in template:
                template = template.replace(placeholder, self.signature_query(view_name))
        return template.format(**values)

    def signature_query(self, view_name: str) -> str:
        """The signature a player receives with the session's playback URLs when the session starts."""
        from django.urls import reverse

        from stream.signing import sign

        path = reverse(view_name, args=[self.session.pk])
        return urlencode(sign(session_id=self.session.pk, path=path))


@dataclass(frozen=True)
class Row:
    path: str
    expect: tuple[int, int, int, int]  # anonymous, owner, other viewer, staff
    body: Callable[[World], dict | list] | None = field(default=None)
    kids: int | None = None  # a kids profile of the owner's account; None: as the owner

    def expected(self, identity_index: int) -> int:
        if IDENTITIES[identity_index] == "kids":
            return self.expect[1] if self.kids is None else self.kids
        return self.expect[identity_index]


ANYONE = (200, 200, 200, 200)
STAFF_ONLY = (401, 403, 403, 200)
OWNER_READ = (401, 200, 404, 200)  # staff may read any viewer's records
OWNER_WRITE_OK = (401, 200, 404, 403)  # ...but not change them
OWNER_CREATE = (401, 201, 404, 403)
OWNER_NO_CONTENT = (401, 204, 404, 403)
USER = "/api/identity/users/{owner}"
KIDS_REFUSED = 403

MATRIX: dict[tuple[str, str], Row] = {
    # Every service's health.
    **{
        (f"{service}:status", "get"): Row(f"/api/{service}/status/", ANYONE)
        for service in ("catalog", "identity", "stream", "analytics", "recommend")
    },
    # Catalog: public, filtered by the visibility rule.
    ("catalog:movie-list", "get"): Row("/api/catalog/movies/", ANYONE),
    ("catalog:movie-detail", "get"): Row("/api/catalog/movies/{title}/", ANYONE),
    ("catalog:show-list", "get"): Row("/api/catalog/shows/", ANYONE),
    ("catalog:show-detail", "get"): Row("/api/catalog/shows/{show}/", ANYONE),
    ("catalog:search", "get"): Row("/api/catalog/search/?q=title&include=people,genres", ANYONE),
    ("catalog:genre-list", "get"): Row("/api/catalog/genres/", ANYONE),
    ("catalog:genre-detail", "get"): Row("/api/catalog/genres/matrix/", ANYONE),
    ("catalog:person-detail", "get"): Row("/api/catalog/people/{person}/", ANYONE),
    ("catalog:image-file", "get"): Row("/api/catalog/images/{poster}", ANYONE),
    ("catalog:image-placeholder", "get"): Row("/api/catalog/images/placeholder/poster/160.png", ANYONE),
    # Identity.
    ("identity:login", "post"): Row(
        "/api/identity/auth/login/", ANYONE, lambda w: {"email": w.owner.email, "password": PASSWORD}
    ),
    ("identity:logout", "post"): Row("/api/identity/auth/logout/", (401, 204, 204, 204)),
    ("identity:logout-all", "post"): Row("/api/identity/auth/logout-all/", (401, 204, 204, 204)),
    ("identity:user-list", "get"): Row("/api/identity/users/", STAFF_ONLY),
    ("identity:user-list", "post"): Row(
        "/api/identity/users/",
        (202, 202, 202, 202),
        lambda w: {"email": f"new-{uuid.uuid4().hex[:8]}@example.org", "password": "a-long-Unusual-pass-42"},
    ),
    ("identity:user-me", "get"): Row("/api/identity/users/me/", (401, 200, 200, 200), kids=KIDS_REFUSED),
    ("identity:user-me", "patch"): Row(
        "/api/identity/users/me/", (401, 200, 200, 200), lambda w: {"display_name": "Me"}, kids=KIDS_REFUSED
    ),
    ("identity:user-detail", "get"): Row(USER + "/", OWNER_READ, kids=KIDS_REFUSED),
    ("identity:user-detail", "patch"): Row(
        USER + "/", OWNER_WRITE_OK, lambda w: {"display_name": "Renamed"}, kids=KIDS_REFUSED
    ),
    ("identity:preferences", "get"): Row(USER + "/preferences/", OWNER_READ),
    ("identity:preferences", "put"): Row(USER + "/preferences/", OWNER_WRITE_OK, lambda w: {"autoplay": False}),
    ("identity:preferences", "patch"): Row(USER + "/preferences/", OWNER_WRITE_OK, lambda w: {"autoplay": False}),
    ("identity:history", "get"): Row(USER + "/history/", OWNER_READ),
    ("identity:history", "post"): Row(
        USER + "/history/", OWNER_CREATE, lambda w: {"title": w.title.pk, "position_s": 600, "duration_s": 6000}
    ),
    ("identity:history", "delete"): Row(USER + "/history/?before=2100-01-01", OWNER_WRITE_OK),
    # The history entry is the main profile's: another profile of the account does not see it.
    ("identity:history-entry", "get"): Row(USER + "/history/{entry}/", OWNER_READ, kids=404),
    ("identity:history-entry", "delete"): Row(USER + "/history/{entry}/", OWNER_NO_CONTENT, kids=404),
    ("identity:continue-watching", "get"): Row(USER + "/continue-watching/", OWNER_READ),
    ("identity:continue-watching-entry", "delete"): Row(
        USER + "/continue-watching/{title}/", OWNER_NO_CONTENT, kids=404
    ),
    ("identity:controls", "get"): Row(USER + "/controls/", OWNER_READ),
    ("identity:controls", "put"): Row(
        USER + "/controls/", OWNER_WRITE_OK, lambda w: {"block_unrated": True}, kids=KIDS_REFUSED
    ),
    ("identity:controls", "patch"): Row(
        USER + "/controls/", OWNER_WRITE_OK, lambda w: {"block_unrated": True}, kids=KIDS_REFUSED
    ),
    ("identity:controls-pin", "post"): Row(
        USER + "/controls/pin/", OWNER_NO_CONTENT, lambda w: {"pin": "1234"}, kids=KIDS_REFUSED
    ),
    ("identity:controls-pin", "delete"): Row(
        USER + "/controls/pin/", OWNER_NO_CONTENT, lambda w: {"pin": "4321"}, kids=KIDS_REFUSED
    ),
    ("identity:controls-pin-verify", "post"): Row(
        USER + "/controls/pin/verify/", OWNER_NO_CONTENT, lambda w: {"pin": "4321"}, kids=KIDS_REFUSED
    ),
    ("identity:viewing-allowed", "get"): Row(USER + "/viewing-allowed/", OWNER_READ),
    ("identity:controls-pin-unlock", "post"): Row(
        USER + "/controls/pin/unlock/", OWNER_NO_CONTENT, lambda w: {"password": PASSWORD}, kids=KIDS_REFUSED
    ),
    ("identity:plan", "put"): Row(USER + "/plan/", (401, 403, 404, 200), lambda w: {"plan": "premium"}),
    # Identity: the account a viewer manages.
    ("identity:password", "post"): Row(
        USER + "/password/",
        OWNER_WRITE_OK,
        lambda w: {"current_password": PASSWORD, "new_password": "a-long-Unusual-pass-42"},
        kids=KIDS_REFUSED,
    ),
    ("identity:password-reset", "post"): Row(
        "/api/identity/auth/password-reset/", (202,) * 4, lambda w: {"email": w.owner.email}
    ),
    ("identity:password-reset-confirm", "post"): Row(
        "/api/identity/auth/password-reset/confirm/", (204,) * 4, lambda w: reset_link(w.owner)
    ),
    # The account's devices, data and existence are not a kids profile's.
    ("identity:devices", "get"): Row(USER + "/devices/", OWNER_READ, kids=KIDS_REFUSED),
    ("identity:account-export", "get"): Row(USER + "/export/", OWNER_READ, kids=KIDS_REFUSED),
    ("identity:account-delete", "post"): Row(
        USER + "/delete/", OWNER_NO_CONTENT, lambda w: {"password": PASSWORD}, kids=KIDS_REFUSED
    ),
    ("identity:device-authorization", "post"): Row("/api/identity/auth/device/", ANYONE, lambda w: {}),
    ("identity:device-approve", "post"): Row(
        "/api/identity/auth/device/approve/",
        (401, 200, 200, 200),
        lambda w: {"user_code": device_code().user_code},
        kids=KIDS_REFUSED,  # signing a TV in to the account is the account holder's
    ),
    # Until a viewer approves, the TV's poll is RFC 8628's 400 authorization_pending, whoever asks.
    ("identity:device-token", "post"): Row(
        "/api/identity/auth/device/token/",
        (400,) * 4,
        lambda w: {
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": device_code().device_code,
        },
    ),
    ("identity:device", "delete"): Row(USER + "/devices/{device}/", OWNER_NO_CONTENT, kids=KIDS_REFUSED),
    # My List: the acting profile's own (the kids profile's is empty, so removing is 404 there).
    ("identity:list", "get"): Row(USER + "/list/", OWNER_READ),
    ("identity:list", "post"): Row(USER + "/list/", (401, 200, 404, 403), lambda w: {"title": w.title.pk}, kids=201),
    ("identity:list-entry", "delete"): Row(USER + "/list/{title}/", OWNER_NO_CONTENT, kids=404),
    ("identity:list-order", "put"): Row(
        USER + "/list/order/", OWNER_NO_CONTENT, lambda w: {"titles": [w.title.pk]}, kids=400
    ),
    # Ratings: the acting profile's own (the kids profile rated nothing).
    ("identity:ratings", "get"): Row(USER + "/ratings/", OWNER_READ),
    ("identity:rating", "get"): Row(USER + "/ratings/{title}/", OWNER_READ, kids=404),
    ("identity:rating", "put"): Row(
        USER + "/ratings/{title}/", (401, 200, 404, 403), lambda w: {"rating": "up"}, kids=201
    ),
    ("identity:rating", "delete"): Row(USER + "/ratings/{title}/", OWNER_NO_CONTENT, kids=404),
    # Profiles: a kids profile lists them (the picker) and selects one, and nothing else.
    ("identity:profiles", "get"): Row(USER + "/profiles/", OWNER_READ),
    ("identity:profiles", "post"): Row(
        USER + "/profiles/", OWNER_CREATE, lambda w: {"name": f"P {uuid.uuid4().hex[:6]}"}, kids=KIDS_REFUSED
    ),
    ("identity:profile", "get"): Row(USER + "/profiles/{main_profile}/", OWNER_READ, kids=KIDS_REFUSED),
    ("identity:profile", "patch"): Row(
        USER + "/profiles/{extra_profile}/", OWNER_WRITE_OK, lambda w: {"avatar": "owl"}, kids=KIDS_REFUSED
    ),
    ("identity:profile", "delete"): Row(USER + "/profiles/{extra_profile}/", OWNER_NO_CONTENT, kids=KIDS_REFUSED),
    ("identity:profile-select", "post"): Row(USER + "/profiles/{extra_profile}/select/", OWNER_WRITE_OK),
    ("identity:profile-pin", "put"): Row(
        USER + "/profiles/{extra_profile}/pin/",
        OWNER_NO_CONTENT,
        lambda w: {"pin": "2468", "password": PASSWORD},
        kids=KIDS_REFUSED,
    ),
    ("identity:profile-pin", "delete"): Row(
        USER + "/profiles/{extra_profile}/pin/", OWNER_NO_CONTENT, lambda w: {"password": PASSWORD}, kids=KIDS_REFUSED
    ),
    ("identity:profile-controls", "get"): Row(
        USER + "/profiles/{kids_profile}/controls/", OWNER_READ, kids=KIDS_REFUSED
    ),
    ("identity:profile-controls", "put"): Row(
        USER + "/profiles/{kids_profile}/controls/",
        OWNER_WRITE_OK,
        lambda w: {"max_maturity": "G"},
        kids=KIDS_REFUSED,
    ),
    ("identity:profile-controls", "patch"): Row(
        USER + "/profiles/{kids_profile}/controls/",
        OWNER_WRITE_OK,
        lambda w: {"max_maturity": "G"},
        kids=KIDS_REFUSED,
    ),
    # Stream.
    ("stream:session-list", "get"): Row("/api/stream/sessions/", STAFF_ONLY),
    ("stream:session-list", "post"): Row(
        "/api/stream/sessions/",
        (401, 201, 201, 201),
        lambda w: {"title": w.title.pk, "device": {"type": "web", "id": f"d-{uuid.uuid4().hex[:6]}"}},
    ),
    ("stream:session-mine", "get"): Row("/api/stream/sessions/mine/", (401, 200, 200, 200)),  # each their own
    # The session is the main profile's: a kids profile of the account sees only its own.
    ("stream:session-detail", "get"): Row("/api/stream/sessions/{session}/", OWNER_READ, kids=404),
    ("stream:session-detail", "put"): Row(
        "/api/stream/sessions/{session}/", OWNER_WRITE_OK, lambda w: {"sequence": 1, "position_s": 30}
    ),
    ("stream:session-detail", "delete"): Row("/api/stream/sessions/{session}/", OWNER_WRITE_OK, kids=404),
    # Playlist and steering are authorized by their signature alone: players fetch them without the token.
    ("stream:session-manifest", "get"): Row(
        "/api/stream/sessions/{session}/manifest.m3u8?{signed:stream:session-manifest}", ANYONE
    ),
    ("stream:session-steering", "get"): Row(
        "/api/stream/sessions/{session}/steering/?{signed:stream:session-steering}", ANYONE
    ),
    # CMCD event reports, authorized by their signature too (stock reporters and sendBeacon send no token).
    ("stream:session-report", "post"): Row(
        "/api/stream/sessions/{session}/report/?{signed:stream:session-report}", (204,) * 4, lambda w: {"sta": "p"}
    ),
    ("stream:session-report", "get"): Row(
        "/api/stream/sessions/{session}/report/?{signed:stream:session-report}&CMCD=sta%3Dp", (204,) * 4
    ),
    ("stream:session-end", "post"): Row(
        "/api/stream/sessions/{session}/end?{signed:stream:session-end}", (204, 204, 204, 204)
    ),
    ("stream:cdn-status", "get"): Row("/api/stream/cdn/status/", ANYONE),
    # Analytics: anyone signed in reports events; reports are for staff.
    ("analytics:events", "post"): Row(
        "/api/analytics/events/",
        (401, 201, 201, 201),
        lambda w: {
            "id": str(uuid.uuid4()),
            "type": "page_view",
            "time": timezone.now().isoformat(),
            "properties": {"page": "/browse"},
        },
    ),
    ("analytics:engagement", "get"): Row("/api/analytics/engagement/", STAFF_ONLY),
    ("analytics:content", "get"): Row("/api/analytics/content/", STAFF_ONLY),
    ("analytics:content-title", "get"): Row("/api/analytics/content/{title}/", STAFF_ONLY),
    ("analytics:streaming", "get"): Row("/api/analytics/streaming/", STAFF_ONLY),
    ("analytics:regions", "get"): Row("/api/analytics/regions/", STAFF_ONLY),
    # Recommend.
    ("recommend:user-recommendations", "get"): Row("/api/recommend/users/{owner}/", OWNER_READ),
    ("recommend:generate", "post"): Row("/api/recommend/generate/{owner}/", OWNER_READ),
    ("recommend:similarity", "get"): Row("/api/recommend/similarity/{title}/{show}/", ANYONE),
    ("recommend:similar-titles", "get"): Row("/api/recommend/titles/{title}/similar/", ANYONE),
    ("recommend:popular", "get"): Row("/api/recommend/popular/", ANYONE),
    ("recommend:home", "get"): Row("/api/recommend/home/", ANYONE),
}

PASSWORD = "correct-horse-battery-staple"


def device_code():
    """A TV's pending sign-in with a code."""
    from identity.account.device_grant import device_authorization_start

    return device_authorization_start(device_name="Matrix TV")


def reset_link(user) -> dict:
    """What a password reset email gives the viewer, with a new password."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(str(user.pk).encode())
    return {"uid": uid, "token": default_token_generator.make_token(user), "new_password": "a-long-Unusual-pass-42"}


def api_routes() -> set[tuple[str, str]]:
    """(route name, method) of every view under /api/, read from the URL configuration."""
    found: set[tuple[str, str]] = set()

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and prefix.startswith("api/") and pattern.name:
                name = f"{namespace}:{pattern.name}"
                if name in DOCUMENTATION_ROUTES:
                    continue
                for method in view_methods(pattern.callback):
                    found.add((name, method))
            elif isinstance(pattern, URLPattern) and str(pattern.pattern).startswith("api/") and pattern.name:
                name = f":{pattern.name}"
                if name not in DOCUMENTATION_ROUTES:
                    found.update((name, method) for method in view_methods(pattern.callback))

    walk(get_resolver().url_patterns, "", "")
    return found


def view_methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(m for m in actions if m not in ("options", "head"))
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return []
    return sorted(m for m in view_class.http_method_names if m not in ("options", "head") and hasattr(view_class, m))


def test_every_api_endpoint_has_a_row():
    routes = api_routes()
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, f"endpoints without an authorization row: {missing}"
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


@pytest.fixture
def world(db) -> World:
    from catalog.models import Maturity
    from catalog.services import generated_artwork_create
    from catalog.tests.factories import (
        CreditFactory,
        EpisodeFactory,
        GenreFactory,
        SeasonFactory,
        ShowFactory,
        TitleFactory,
    )
    from identity.tests.factories import (
        KidsProfileFactory,
        ProfileFactory,
        UserFactory,
        WatchHistoryFactory,
    )
    from stream.tests.factories import PlaybackSessionFactory

    owner, other = UserFactory(), UserFactory()
    # Rated G, so the kids profile sees what the owner sees and its answers are about authorization alone.
    title = TitleFactory(
        title="Title of the matrix", maturity_rating=Maturity.G, genres=[GenreFactory(name="Matrix", slug="matrix")]
    )
    person = CreditFactory(title=title).person
    generated_artwork_create(titles=[title])
    show = ShowFactory(maturity_rating=Maturity.G)
    episode = EpisodeFactory(season=SeasonFactory(show=show, number=1), number=1)
    return World(
        owner=owner,
        other=other,
        staff=UserFactory(is_staff=True),
        title=title,
        show=show,
        episode=episode,
        history_entry=WatchHistoryFactory(user=owner, title=title),
        session=PlaybackSessionFactory(user=owner, title=title),
        person=person,
        poster=title.images.get(kind="poster"),
        device=AuthToken.objects.create(user=owner)[0],
        main_profile=list_entry(owner, title),
        extra_profile=ProfileFactory(account=owner, name="Second"),
        kids_profile=KidsProfileFactory(account=owner, name="Kid"),
    )


def list_entry(owner, title):
    """The owner's main profile, with `title` on its list and rated."""
    from identity.models import ListEntry, Rating
    from identity.tests.factories import main_profile

    profile = main_profile(owner)
    ListEntry.objects.create(profile=profile, title=title)
    Rating.objects.create(profile=profile, title=title, value="love")
    return profile


def client_for(identity: str, world: World) -> APIClient:
    client = APIClient()
    user = {"owner": world.owner, "other": world.other, "staff": world.staff, "kids": world.owner}.get(identity)
    if user is not None:
        instance, token = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        if identity == "kids":
            from identity.models import TokenProfile

            TokenProfile.objects.create(token=instance, profile=world.kids_profile)
    return client


@pytest.mark.parametrize("identity_index,identity", list(enumerate(IDENTITIES)))
@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1].upper()}")
def test_authorization(route, identity_index, identity, world):
    name, method = route
    row = MATRIX[route]
    if name == "identity:controls-pin" and method == "delete" or name == "identity:controls-pin-verify":
        from identity.services import parental_pin_set

        parental_pin_set(user=world.owner, pin="4321")  # the main profile's controls
    client = client_for(identity, world)
    body = row.body(world) if row.body else None

    response = getattr(client, method)(world.format(row.path), body, format="json")

    expected = row.expected(identity_index)
    assert response.status_code == expected, (
        f"{method.upper()} {world.format(row.path)} as {identity}: {response.status_code} "
        f"(expected {expected}): {getattr(response, 'data', response.content)!r}"[:600]
    )
