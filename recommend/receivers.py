"""What recommend does when identity announces a change; connected in RecommendConfig.ready()."""

from identity import events as identity_events
from recommend.services import recommendations_invalidate


def viewer_changed(*, user, **_) -> None:
    """New history, preferences, parental controls or My List: the viewer's cached list is stale."""
    recommendations_invalidate(user=user)


def connect() -> None:
    for event in (
        identity_events.history_changed,
        identity_events.preferences_changed,
        identity_events.parental_controls_changed,
        identity_events.list_changed,
        identity_events.rating_changed,
    ):
        event.connect(viewer_changed)
