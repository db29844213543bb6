"""`seed_demo`'s stream part: CDNs and finished views recorded through the end-of-session path, once."""

import random

import pytest
from django.apps import apps

from analytics.models import ViewSummary
from catalog.tests.factories import EpisodeFactory, TitleFactory
from identity.tests.factories import UserFactory
from stream.models import Cdn, PlaybackSession
from streaming_platform.demo import DemoContext

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_cdns_and_finished_views_once():
    UserFactory.create_batch(3)
    TitleFactory.create_batch(4)
    EpisodeFactory.create_batch(2)
    context = DemoContext(rng=random.Random(1), days=10, events=800)
    config = apps.get_app_config("stream")

    config.seed_demo(context)
    sessions = PlaybackSession.objects.count()
    config.seed_demo(context)

    assert Cdn.objects.exclude(name__startswith="local").count() == 5
    assert 10 <= sessions == PlaybackSession.objects.count()
    assert not PlaybackSession.objects.filter(status="active").exists()
    assert ViewSummary.objects.count() == sessions
    played = PlaybackSession.objects.filter(first_frame_at__isnull=False)
    assert played.exists()
    assert all(session.watch_time_s > 0 and session.startup_time_ms > 0 for session in played)


def test_seed_demo_gives_every_title_language_tracks_once():
    from stream.models import MediaTrack

    french = TitleFactory(original_language="fr")
    english = TitleFactory(original_language="en")
    config = apps.get_app_config("stream")

    config.seed_demo(DemoContext(rng=random.Random(1), days=10, events=800))
    count = MediaTrack.objects.count()
    config.seed_demo(DemoContext(rng=random.Random(1), days=10, events=800))

    assert MediaTrack.objects.count() == count
    french_audio = MediaTrack.objects.filter(title=french, kind="audio")
    assert [(t.language, t.is_original) for t in french_audio] == [("fr", True), ("en", False), ("es", False)]
    assert french_audio.get(language="fr").name == "Français"
    assert MediaTrack.objects.filter(title=french, kind="subtitles", language="en", is_forced=True).exists()
    assert not MediaTrack.objects.filter(title=english, is_forced=True).exists()


def test_seed_demo_plays_a_kids_views_within_their_parental_controls():
    from identity.tests.factories import ParentalControlsFactory

    kid = UserFactory()
    ParentalControlsFactory(user=kid, daily_limit_minutes=30)
    TitleFactory.create_batch(3, runtime_s=3 * 3600)
    context = DemoContext(rng=random.Random(2), days=3, events=200)

    apps.get_app_config("stream").seed_demo(context)

    views = PlaybackSession.objects.filter(user=kid)
    assert views.exists()
    assert not views.filter(status="active").exists()
    assert views.filter(end_reason="parental").exists()
