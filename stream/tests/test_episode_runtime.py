"""An episode whose running time is not known yet can still be played."""

from catalog.tests.factories import EpisodeFactory


def test_an_episode_without_a_runtime_starts_a_session(user_client, cdn, start):
    episode = EpisodeFactory(runtime_s=None)

    response = start(user_client, episode.season.show, episode=episode)

    assert response.status_code == 201, response.content
    assert response.json()["episode"] == episode.pk
