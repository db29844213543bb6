"""The recommend management commands and the demo seed hook."""

import random
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from recommend.models import RecommendationList, RecommenderModel
from streaming_platform.demo import DemoContext

pytestmark = pytest.mark.django_db


def test_build_recommender_stores_a_model(world):
    out = StringIO()
    call_command("build_recommender", stdout=out)
    model = RecommenderModel.objects.get()
    assert model.titles == 15 and model.viewers == 10
    assert f"Model #{model.pk}" in out.getvalue()


def test_build_recommendations_for_all_or_some_viewers_with_progress(world):
    out = StringIO()
    call_command("build_recommendations", stdout=out)
    assert RecommendationList.objects.count() == 10
    assert "10/10 viewers" in out.getvalue()

    one = world["fans"]["scifi"][0]
    out = StringIO()
    call_command("build_recommendations", "--user", str(one.pk), stdout=out)
    assert "Built 1 recommendation lists." in out.getvalue()

    out = StringIO()
    call_command("build_recommendations", "--stale-only", stdout=out)
    assert "Built 0 recommendation lists." in out.getvalue()


def test_seed_demo_builds_the_model_once(world):
    config = apps.get_app_config("recommend")
    config.seed_demo(DemoContext(rng=random.Random(1)))
    config.seed_demo(DemoContext(rng=random.Random(1)))
    assert RecommenderModel.objects.count() == 1
