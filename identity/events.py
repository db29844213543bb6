"""What identity announces to the services that depend on it; they connect in their `AppConfig.ready()`."""

from streaming_platform.events import Event

# A viewer signed in (a token was created): payload `user`.
user_logged_in = Event("user_logged_in", sender_app="identity")
# A viewer's watch history changed: payload `user`, and `entry` (the WatchHistory row) and `watched_at`
# when progress was recorded, None for both when entries were deleted.
history_changed = Event("history_changed", sender_app="identity")
# A viewer's preferences (favourite genres, languages, autoplay) changed: payload `user`.
preferences_changed = Event("preferences_changed", sender_app="identity")
# A viewer's parental controls changed, so what they may see changed: payload `user`.
parental_controls_changed = Event("parental_controls_changed", sender_app="identity")
# Bearer tokens were revoked (logout, logout everywhere): payload `user`, and `digests` (the revoked tokens'
# knox digests), None when every token of the user went. Caches of token checks drop them.
tokens_revoked = Event("tokens_revoked", sender_app="identity")
# A profile was deleted with its history and list: payload `user` (the account) and `profile_id`.
profile_deleted = Event("profile_deleted", sender_app="identity")
# A profile's My List changed (added, removed, reordered): payload `user` (the account) and `profile_id`.
list_changed = Event("list_changed", sender_app="identity")
# A profile rated a title, changed or removed a rating: payload `user` (the account) and `profile_id`.
rating_changed = Event("rating_changed", sender_app="identity")
