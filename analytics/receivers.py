"""The server-side events analytics records when other services announce something; see AnalyticsConfig.ready()."""

from analytics.services import server_event_record
from catalog import events as catalog_events
from identity import events as identity_events


def login_record(*, user, **_) -> None:
    server_event_record(type="login", user=user, account_wide=True)


def history_update_record(*, user, entry, watched_at, **_) -> None:
    """Progress recorded on a title (deletions of history are not events)."""
    if entry is None:
        return
    server_event_record(
        type="history_update",
        user=user,
        title=entry.title,
        properties={
            "episode_id": entry.episode_id,
            "position_s": entry.position_s,
            "completed": entry.completed,
            "watch_count": entry.watch_count,
        },
        occurred_at=watched_at,
    )


def search_record(*, user, query: str, genres: list[str], results: int, **_) -> None:
    server_event_record(
        type="search",
        user=user,
        properties={"query": query, "genres": genres, "results": results},
    )


def connect() -> None:
    identity_events.user_logged_in.connect(login_record)
    identity_events.history_changed.connect(history_update_record)
    catalog_events.title_searched.connect(search_record)
