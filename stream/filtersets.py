"""Filters of the staff session list."""

import django_filters

from stream.models import DeviceType, PlaybackSession, PlayerState, SessionStatus
from streaming_platform.api.ids import ID_RANGE


class PlaybackSessionFilterSet(django_filters.FilterSet):
    user = django_filters.NumberFilter(field_name="user_id", **ID_RANGE)
    title = django_filters.NumberFilter(field_name="title_id", **ID_RANGE)
    episode = django_filters.NumberFilter(field_name="episode_id", **ID_RANGE)
    cdn = django_filters.CharFilter(field_name="cdn__name", help_text="CDN name")
    state = django_filters.ChoiceFilter(choices=PlayerState.choices, help_text="Player state")
    status = django_filters.ChoiceFilter(
        choices=SessionStatus.choices, help_text="active (the default when absent) or ended"
    )
    device = django_filters.CharFilter(field_name="device_id", help_text="Device id")
    device_type = django_filters.ChoiceFilter(choices=DeviceType.choices)
    region = django_filters.CharFilter(field_name="region", lookup_expr="iexact")

    class Meta:
        model = PlaybackSession
        fields = ["user", "title", "episode", "cdn", "state", "status", "device", "device_type", "region"]
