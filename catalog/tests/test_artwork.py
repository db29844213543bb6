"""Artwork: sized copies on cards and pages, immutable cached URLs, visibility, uploads, imports, demo art."""

import http.server
import io
import random
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from PIL import Image as PILImage

from catalog import artwork
from catalog.models import Image, ImageKind, Maturity
from catalog.services import demo_catalog_seed, image_create
from catalog.tests.factories import CreditFactory, EpisodeFactory, PersonFactory, ShowFactory, TitleFactory
from identity.tests.factories import ParentalControlsFactory, UserFactory

pytestmark = pytest.mark.django_db


def picture_bytes(width=800, height=1200, image_format="JPEG", colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buffer, image_format)
    return buffer.getvalue()


def opened(response) -> PILImage.Image:
    return PILImage.open(io.BytesIO(response.content))


def test_a_card_without_artwork_shows_a_placeholder_that_loads(api_client):
    TitleFactory()

    images = api_client.get("/api/catalog/movies/").json()["results"][0]["images"]

    assert [(image["kind"], image["placeholder"]) for image in images] == [("poster", True)]
    smallest = images[0]["sizes"][0]
    response = api_client.get(smallest["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert opened(response).size == (smallest["width"], smallest["height"]) == (160, 240)


def test_uploaded_poster_is_offered_at_the_fixed_widths_it_covers_and_served_resized(api_client):
    title = TitleFactory()
    image = image_create(kind=ImageKind.POSTER, data=picture_bytes(800, 1200), title=title, focal_y=0.3)

    card = api_client.get("/api/catalog/movies/").json()["results"][0]
    poster = card["images"][0]

    assert poster["id"] == image.id and poster["placeholder"] is False
    assert poster["focal_point"] == {"x": 0.5, "y": 0.3}
    assert [(size["width"], size["height"]) for size in poster["sizes"]] == [(160, 240), (320, 480), (640, 960)]
    response = api_client.get(poster["sizes"][1]["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    assert opened(response).size == (320, 480)
    # Made once, then read from storage: the same bytes again.
    assert api_client.get(poster["sizes"][1]["url"]).content == response.content


def test_image_urls_of_another_version_or_size_are_404(api_client):
    title = TitleFactory()
    image = image_create(kind=ImageKind.POSTER, data=picture_bytes(), title=title)

    assert api_client.get(f"/api/catalog/images/{image.id}/320/{image.version}.jpg").status_code == 200
    assert api_client.get(f"/api/catalog/images/{image.id}/320/0123456789ab.jpg").status_code == 404
    assert api_client.get(f"/api/catalog/images/{image.id}/1280/{image.version}.jpg").status_code == 404
    assert api_client.get(f"/api/catalog/images/{image.id}/321/{image.version}.jpg").status_code == 404
    assert api_client.get(f"/api/catalog/images/{image.id}/320/{image.version}.png").status_code == 404


def test_an_invisible_titles_images_are_json_404(api_client):
    hidden = TitleFactory(regions=["DE"])
    image = image_create(kind=ImageKind.BACKDROP, data=picture_bytes(1600, 900), title=hidden)
    url = f"/api/catalog/images/{image.id}/160/{image.version}.jpg"

    response = api_client.get(url, HTTP_ACCEPT="image/avif,image/webp,*/*")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such image."}
    assert api_client.get(url, {"region": "DE"}).status_code == 200


def test_parental_controls_hide_artwork_of_titles_above_the_ceiling():
    title = TitleFactory(maturity_rating=Maturity.R)
    image = image_create(kind=ImageKind.POSTER, data=picture_bytes(), title=title)
    child = UserFactory()
    ParentalControlsFactory(user=child, max_maturity=Maturity.PG)
    client = Client()
    client.force_login(child)

    assert client.get(f"/api/catalog/images/{image.id}/160/{image.version}.jpg").status_code == 404


def test_episode_stills_follow_their_show_and_headshots_their_persons_titles(api_client):
    episode = EpisodeFactory(season__show=ShowFactory(regions=["DE"]))
    still = image_create(kind=ImageKind.STILL, data=picture_bytes(1280, 720), episode=episode)
    person = PersonFactory()
    CreditFactory(person=person, title=TitleFactory(regions=["DE"]))
    headshot = image_create(kind=ImageKind.HEADSHOT, data=picture_bytes(400, 600), person=person)

    for image in (still, headshot):
        url = f"/api/catalog/images/{image.id}/160/{image.version}.jpg"
        assert api_client.get(url).status_code == 404
        assert api_client.get(url, {"region": "DE"}).status_code == 200


def test_title_page_has_backdrop_cast_headshots_episode_stills_and_extras(api_client):
    show = ShowFactory()
    image_create(kind=ImageKind.BACKDROP, data=picture_bytes(1920, 1080), title=show)
    person = CreditFactory(title=show).person
    image_create(kind=ImageKind.HEADSHOT, data=picture_bytes(400, 600), person=person)
    episode = EpisodeFactory(season__show=show)
    image_create(kind=ImageKind.STILL, data=picture_bytes(1280, 720), episode=episode)
    show.extras.create(kind="trailer", name="Official trailer", language="en", runtime_s=150)

    body = api_client.get(f"/api/catalog/shows/{show.id}/").json()

    assert [image["kind"] for image in body["images"]] == ["backdrop"]
    assert body["images"][0]["sizes"][-1] == {
        "width": 1280,
        "height": 720,
        "url": body["images"][0]["sizes"][-1]["url"],
    }
    assert body["people"][0]["images"][0]["kind"] == "headshot"
    assert body["seasons"][0]["episodes"][0]["images"][0]["kind"] == "still"
    assert body["extras"] == [
        {"id": show.extras.get().id, "kind": "trailer", "name": "Official trailer", "language": "en", "runtime_s": 150}
    ]


@pytest.mark.parametrize(
    "data,message",
    [
        (b"not an image at all", "not an image"),
        (picture_bytes(50, 50), "smaller than"),
        (picture_bytes(300, 300, "GIF"), "JPEG, PNG or WebP"),
    ],
)
def test_refused_uploads_say_why(data, message):
    with pytest.raises(ValidationError, match=message):
        image_create(kind=ImageKind.POSTER, data=data, title=TitleFactory())
    assert not Image.objects.exists()


def test_an_image_has_exactly_one_owner():
    with pytest.raises(ValidationError):
        image_create(kind=ImageKind.POSTER, data=picture_bytes(), title=TitleFactory(), person=PersonFactory())


def test_admin_upload_checks_type_and_size():
    title = TitleFactory()
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {"title": title.id, "kind": "poster", "language": "", "focal_x": 0.5, "focal_y": 0.5, "position": 0}

    refused = client.post(
        "/admin/catalog/image/add/", {**form, "file": SimpleUploadedFile("p.gif", picture_bytes(300, 300, "GIF"))}
    )
    accepted = client.post(
        "/admin/catalog/image/add/", {**form, "file": SimpleUploadedFile("p.jpg", picture_bytes(600, 900))}
    )

    assert refused.status_code == 200 and "JPEG, PNG or WebP" in refused.content.decode()
    assert accepted.status_code == 302, accepted.content.decode()[:2000]
    image = Image.objects.get()
    assert (image.width, image.height, image.title_id) == (600, 900, title.id)
    assert image.version == artwork.version_of(picture_bytes(600, 900))


@pytest.fixture
def image_server():
    """A local HTTP server answering /poster.jpg (an image), /page.html and /huge.jpg (too large)."""
    bodies = {
        "/poster.jpg": ("image/jpeg", picture_bytes(400, 600)),
        "/page.html": ("text/html", b"<html></html>"),
        "/huge.jpg": ("image/jpeg", b"\xff" * (artwork.MAX_UPLOAD_BYTES + 10)),
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            content_type, body = bodies.get(self.path, ("text/plain", b"missing"))
            self.send_response(200 if self.path in bodies else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class QuietServer(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # the importer hangs up on the oversized body on purpose

    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_import_command_stores_an_image_from_a_url(image_server, capsys):
    title = TitleFactory()

    call_command("import_image", f"{image_server}/poster.jpg", "--title", str(title.id), "--allow-private")

    image = Image.objects.get()
    assert (image.kind, image.width, image.height) == ("poster", 400, 600)
    assert image.source_url.endswith("/poster.jpg")
    assert "400x600" in capsys.readouterr().out


@pytest.mark.parametrize(
    "path,message",
    [("/page.html", "text/html"), ("/huge.jpg", "larger than"), ("/missing.jpg", "Could not download")],
)
def test_import_command_refuses_what_is_not_an_acceptable_image(image_server, path, message):
    title = TitleFactory()
    with pytest.raises(CommandError, match=message):
        call_command("import_image", f"{image_server}{path}", "--title", str(title.id), "--allow-private")
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    "url,message", [("ftp://example.org/a.jpg", "http or https"), ("http://127.0.0.1/a.jpg", "not a public")]
)
def test_import_refuses_other_schemes_and_private_hosts(url, message):
    title = TitleFactory()
    with pytest.raises(CommandError, match=message):
        call_command("import_image", url, "--title", str(title.id))


def test_seeded_titles_have_generated_artwork_drawn_on_first_request(api_client):
    demo_catalog_seed(rng=random.Random(7), titles=12)

    cards = api_client.get("/api/catalog/movies/", {"region": "US", "page_size": 100}).json()["results"]
    kinds = {tuple(image["kind"] for image in card["images"]) for card in cards}
    poster = cards[0]["images"][1]
    response = api_client.get(poster["sizes"][0]["url"], {"region": "US"})

    assert kinds == {("backdrop", "poster")}
    assert poster["placeholder"] is False
    assert response.status_code == 200
    assert opened(response).size == (160, 240)
    assert Image.objects.filter(person__isnull=False, kind="headshot").exists()


def test_seeded_titles_have_a_trailer_on_their_page(api_client):
    demo_catalog_seed(rng=random.Random(7), titles=12)
    movie = api_client.get("/api/catalog/movies/", {"region": "US"}).json()["results"][0]

    extras = api_client.get(f"/api/catalog/movies/{movie['id']}/", {"region": "US"}).json()["extras"]

    assert [extra["kind"] for extra in extras] == ["trailer"]
    assert extras[0]["name"] == f"{movie['title']}: official trailer"
