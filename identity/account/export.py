"""The viewer's data export: one JSON document of everything the platform keeps about the account.

Sections are functions of the account; other parts of identity (profiles, My List, ratings) add theirs
with `export_section_register`, so the export grows with the data and no section is forgotten.
"""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from identity import selectors as identity_selectors
from identity.account import selectors
from identity.models import User

EXPORT_FORMAT_VERSION = 1

_sections: dict[str, Callable[[User], Any]] = {}


def export_section_register(name: str, section: Callable[[User], Any]) -> None:
    """Adds `name: section(user)` to every export (JSON-ready data; registering a name again replaces it)."""
    _sections[name] = section


def _account(user: User) -> dict:
    from identity.serializers import UserSerializer

    return {**UserSerializer(user).data, "last_login": user.last_login.isoformat() if user.last_login else None}


def _preferences(user: User) -> dict:
    from identity.serializers import PreferencesSerializer

    return PreferencesSerializer(identity_selectors.preferences_for(user=user)).data


def _parental_controls(user: User) -> dict | None:
    from identity.serializers import ParentalControlsSerializer

    controls = identity_selectors.parental_controls_for(user=user)
    return ParentalControlsSerializer(controls).data if controls else None  # the PIN itself is never exported


def _history(user: User) -> list:
    from identity.serializers import HistoryEntrySerializer

    # Entries the account's parental controls hide stay hidden here too, as on every other path.
    return list(HistoryEntrySerializer(identity_selectors.history_for(user=user), many=True).data)


def _ratings(user: User) -> list:
    history = identity_selectors.history_for(user=user).filter(rating__isnull=False)
    return [
        {"title": entry.title_id, "episode": entry.episode_id, "rating": entry.rating, "at": entry.last_watched_at}
        for entry in history
    ]


def _profiles(user: User) -> list:
    """Every profile of the household with what is personal to it: preferences, controls (never the PIN),
    history, My List and thumbs ratings."""
    from identity.models import ListEntry, ParentalControls, Preferences, Profile, Rating, WatchHistory
    from identity.serializers import HistoryEntrySerializer, ParentalControlsSerializer, PreferencesSerializer

    profiles = []
    for profile in Profile.objects.filter(account=user).order_by("-is_main", "id"):
        preferences = Preferences.objects.filter(profile=profile).first()
        controls = ParentalControls.objects.filter(profile=profile).first()
        # The whole history: the account holder exports what every profile watched, hidden titles too.
        history = (
            WatchHistory.objects.filter(profile=profile)
            .annotate(progress=identity_selectors.history_progress())
            .select_related("title", "episode__season")
        )
        profiles.append(
            {
                "id": profile.pk,
                "name": profile.name,
                "avatar": profile.avatar,
                "is_main": profile.is_main,
                "is_kids": profile.is_kids,
                "language": profile.language,
                "preferences": PreferencesSerializer(preferences).data if preferences else None,
                "parental_controls": ParentalControlsSerializer(controls).data if controls else None,
                "history": list(HistoryEntrySerializer(history.order_by("-last_watched_at", "-id"), many=True).data),
                "my_list": [
                    {"title": entry.title_id, "position": entry.position, "added_at": entry.added_at.isoformat()}
                    for entry in ListEntry.objects.filter(profile=profile).order_by("position", "id")
                ],
                "ratings": [
                    {"title": rating.title_id, "rating": rating.value, "rated_at": rating.rated_at.isoformat()}
                    for rating in Rating.objects.filter(profile=profile).order_by("-rated_at", "-id")
                ],
            }
        )
    return profiles


def _devices(user: User) -> list:
    from identity.account.serializers import DeviceSerializer

    return list(DeviceSerializer(selectors.devices_for(user=user), many=True).data)


for _name, _section in {
    "account": _account,
    "preferences": _preferences,
    "parental_controls": _parental_controls,
    "history": _history,
    "ratings": _ratings,
    "profiles": _profiles,
    "devices": _devices,
}.items():
    export_section_register(_name, _section)


def account_export(*, user: User) -> dict[str, Any]:
    """Every registered section of the account, with the export's format version and time."""
    document: dict[str, Any] = {"format_version": EXPORT_FORMAT_VERSION, "exported_at": timezone.now()}
    for name, section in _sections.items():
        document[name] = section(user)
    return document
