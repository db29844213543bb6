"""Artwork: sized copies of catalog images at fixed widths, generated demo artwork, placeholders, imports.

Originals and sized copies live in Django's default storage (`STORAGES["default"]`: local files under
MEDIA_ROOT in development, any django-storages backend in production). Sized copies are made on first
request and kept; their URLs carry the image's `version`, so a URL never changes meaning and may be
cached for a year.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import ipaddress
import socket
import textwrap
import urllib.request
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from catalog.models import Image, ImageKind

# The widths every image is offered at (px); an original narrower than one is not enlarged past it.
WIDTHS = (160, 320, 640, 1280)
PLACEHOLDER_WIDTHS = WIDTHS
# Width:height of each kind, used for generated artwork and placeholders (uploads keep their own shape).
ASPECT = {
    ImageKind.POSTER: (2, 3),
    ImageKind.HEADSHOT: (2, 3),
    ImageKind.BACKDROP: (16, 9),
    ImageKind.STILL: (16, 9),
    ImageKind.THUMB: (16, 9),
    ImageKind.LOGO: (4, 1),
}
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 8k x 5k; larger files are refused rather than decoded
MIN_SIDE_PX = 100
IMMUTABLE_CACHE_CONTROL = "private, max-age=31536000, immutable"
IMPORT_TIMEOUT_S = 15


def extension_for(kind: str) -> str:
    # Logos need transparency; everything else is a photograph and JPEG is smallest.
    return "png" if kind == ImageKind.LOGO else "jpg"


def content_type_for(extension: str) -> str:
    return "image/png" if extension == "png" else "image/jpeg"


def widths_for(image: Image) -> list[int]:
    if image.generated or not image.width:
        return list(WIDTHS)
    return [width for width in WIDTHS if width <= image.width] or [WIDTHS[0]]


def height_at(image: Image, width: int) -> int:
    if image.generated or not image.width or not image.height:
        aspect_w, aspect_h = ASPECT[image.kind]
        return round(width * aspect_h / aspect_w)
    return max(1, round(width * image.height / image.width))


@lru_cache(maxsize=1)
def _url_template() -> str:
    from django.urls import reverse

    path = reverse("catalog:image-file", kwargs={"image_id": 1, "width": 2, "filename": "abc.jpg"})
    prefix = settings.CATALOG_IMAGE_BASE_URL.rstrip("/")
    return prefix + path.replace("/1/2/abc.jpg", "/{id}/{width}/{version}.{extension}")


@lru_cache(maxsize=1)
def _placeholder_template() -> str:
    from django.urls import reverse

    path = reverse("catalog:image-placeholder", kwargs={"kind": "poster", "width": 2})
    prefix = settings.CATALOG_IMAGE_BASE_URL.rstrip("/")
    return prefix + path.replace("/poster/2.png", "/{kind}/{width}.png")


def image_sizes(image: Image) -> list[dict]:
    """Width, height and URL of each sized copy (no query, no storage call)."""
    template = _url_template()
    extension = extension_for(image.kind)
    return [
        {
            "width": width,
            "height": height_at(image, width),
            "url": template.format(id=image.pk, width=width, version=image.version or "0", extension=extension),
        }
        for width in widths_for(image)
    ]


def image_answer(image: Image) -> dict:
    return {
        "id": image.pk,
        "kind": image.kind,
        "language": image.language or None,
        "focal_point": {"x": image.focal_x, "y": image.focal_y},
        "placeholder": False,
        "sizes": image_sizes(image),
    }


def placeholder_answer(kind: str = ImageKind.POSTER) -> dict:
    template = _placeholder_template()
    aspect_w, aspect_h = ASPECT[kind]
    return {
        "id": None,
        "kind": kind,
        "language": None,
        "focal_point": {"x": 0.5, "y": 0.5},
        "placeholder": True,
        "sizes": [
            {"width": w, "height": round(w * aspect_h / aspect_w), "url": template.format(kind=kind, width=w)}
            for w in PLACEHOLDER_WIDTHS
        ],
    }


def images_answer(images, *, placeholder_kind: str | None = ImageKind.POSTER) -> list[dict]:
    """The `images` list of a card or page; a placeholder poster when a title has none."""
    answers = [image_answer(image) for image in images]
    if not answers and placeholder_kind:
        answers.append(placeholder_answer(placeholder_kind))
    return answers


# --- drawing ---------------------------------------------------------------------------------------


def colour_for(text: str) -> tuple[int, int, int]:
    """A stable, fairly dark colour per name, so white text reads on it."""
    digest = hashlib.sha256(text.encode()).digest()
    hue = digest[0] / 255
    red, green, blue = colorsys.hls_to_rgb(hue, 0.32, 0.55)
    return round(red * 255), round(green * 255), round(blue * 255)


def draw_artwork(text: str, *, kind: str, width: int) -> PILImage.Image:
    """`text` in white on a colour field, in the kind's shape, `width` px wide."""
    aspect_w, aspect_h = ASPECT[kind]
    height = round(width * aspect_h / aspect_w)
    mode = "RGBA" if kind == ImageKind.LOGO else "RGB"
    background = (0, 0, 0, 0) if kind == ImageKind.LOGO else colour_for(text)
    canvas = PILImage.new(mode, (width, height), background)
    draw = ImageDraw.Draw(canvas)
    size = max(10, width // (8 if kind in (ImageKind.POSTER, ImageKind.HEADSHOT) else 14))
    font = ImageFont.load_default(size=size)
    lines = textwrap.wrap(text, width=max(6, int(width / (size * 0.55)))) or [text]
    lines = lines[:4]
    line_height = size * 1.2
    top = (height - line_height * len(lines)) / 2
    for number, line in enumerate(lines):
        draw.text((width / 2, top + number * line_height), line, fill="white", font=font, anchor="ma")
    return canvas


def resize_to_width(original: PILImage.Image, width: int) -> PILImage.Image:
    original = ImageOps.exif_transpose(original)
    height = max(1, round(width * original.height / original.width))
    return original.resize((width, height), PILImage.Resampling.LANCZOS)


def encode(picture: PILImage.Image, extension: str) -> bytes:
    buffer = io.BytesIO()
    if extension == "png":
        picture.save(buffer, "PNG", optimize=True)
    else:
        picture.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()


def owner_name(image: Image) -> str:
    owner = image.owner
    if image.episode_id:
        return owner.title
    if image.season_id:
        return owner.title or f"Season {owner.number}"
    return owner.title if image.title_id else owner.name


def rendition_path(image: Image, width: int) -> str:
    return f"catalog/renditions/{image.pk}/{image.version or '0'}/{width}.{extension_for(image.kind)}"


def rendition_bytes(image: Image, width: int) -> bytes:
    """The sized copy, from storage when made before, else made now and stored."""
    path = rendition_path(image, width)
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as stored:
            return stored.read()
    extension = extension_for(image.kind)
    if image.generated:
        picture = draw_artwork(owner_name(image), kind=image.kind, width=width)
    else:
        with image.file.open("rb") as source, PILImage.open(source) as original:
            original.load()
            picture = resize_to_width(original, min(width, original.width) if original.width else width)
    data = encode(picture, extension)
    default_storage.save(path, ContentFile(data))
    return data


@lru_cache(maxsize=64)
def placeholder_bytes(kind: str, width: int) -> bytes:
    aspect_w, aspect_h = ASPECT[kind]
    canvas = PILImage.new("RGB", (width, round(width * aspect_h / aspect_w)), (58, 58, 64))
    return encode(canvas, "png")


# --- checks and imports ----------------------------------------------------------------------------


def check_image_bytes(data: bytes) -> str:
    """The Pillow format name of an acceptable image; ValidationError naming what is wrong otherwise."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"The image is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", code="too_large")
    try:
        with PILImage.open(io.BytesIO(data)) as picture:
            kind, (width, height) = picture.format, picture.size
            if width * height > MAX_PIXELS:
                raise ValidationError("The image has too many pixels.", code="too_many_pixels")
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, PILImage.DecompressionBombError):
        raise ValidationError("The file is not an image Pillow can read.", code="not_an_image") from None
    if kind not in ALLOWED_FORMATS:
        raise ValidationError(f"Use a JPEG, PNG or WebP image (this one is {kind}).", code="unsupported_format")
    if min(width, height) < MIN_SIDE_PX:
        raise ValidationError(f"The image is smaller than {MIN_SIDE_PX} px on a side.", code="too_small")
    return kind


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _public_address(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses)


def download_image(url: str, *, allow_private: bool = False) -> tuple[bytes, str]:
    """The body of `url` if it is an https/http image of an allowed type and size, with its content type."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("Give an http or https URL.", code="bad_scheme")
    if not allow_private and not _public_address(parts.hostname):
        raise ValidationError("The URL's host is not a public address.", code="private_address")
    request = urllib.request.Request(url, headers={"User-Agent": "streaming-platform-artwork-import"})
    with urllib.request.urlopen(request, timeout=IMPORT_TIMEOUT_S) as response:
        content_type = response.headers.get_content_type()
        if content_type not in ALLOWED_FORMATS.values():
            raise ValidationError(f"The URL serves {content_type}, not a JPEG, PNG or WebP image.", code="bad_type")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
            raise ValidationError("The image is larger than the upload limit.", code="too_large")
        data = response.read(MAX_UPLOAD_BYTES + 1)
    check_image_bytes(data)
    return data, content_type
