"""Imports one image from a URL for a title, season, episode or person: `manage.py import_image URL --title 42`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Episode, ImageKind, Person, Season, Title
from catalog.services import image_import_from_url

OWNERS = {"title": Title, "season": Season, "episode": Episode, "person": Person}


class Command(BaseCommand):
    help = "Download an image (http/https, JPEG/PNG/WebP, size-checked) and attach it to one catalog record."

    def add_arguments(self, parser):
        parser.add_argument("url")
        owner = parser.add_mutually_exclusive_group(required=True)
        for name in OWNERS:
            owner.add_argument(f"--{name}", type=int, metavar="ID", help=f"the {name}'s id")
        parser.add_argument("--kind", choices=ImageKind.values, default=ImageKind.POSTER)
        parser.add_argument("--language", default="", help="ISO 639-1 code of the text in the image, if any")
        parser.add_argument("--focal-x", type=float, default=0.5)
        parser.add_argument("--focal-y", type=float, default=0.5)
        parser.add_argument(
            "--allow-private", action="store_true", help="allow hosts on private networks (a local test server)"
        )

    def handle(self, *args, **options):
        name, owner_id = next((name, options[name]) for name in OWNERS if options[name] is not None)
        owner = OWNERS[name].objects.filter(pk=owner_id).first()
        if owner is None:
            raise CommandError(f"No {name} with id {owner_id}.")
        try:
            image = image_import_from_url(
                url=options["url"],
                kind=options["kind"],
                allow_private=options["allow_private"],
                language=options["language"],
                focal_x=options["focal_x"],
                focal_y=options["focal_y"],
                **{name: owner},
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        except OSError as error:
            raise CommandError(f"Could not download {options['url']}: {error}") from None
        self.stdout.write(f"Image {image.pk}: {image.width}x{image.height} {image.kind} of {owner}.")
