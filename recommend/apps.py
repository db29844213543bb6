"""The Recommend service: personalized recommendations, similarity, popularity."""

from streaming_platform.apps import ServiceConfig


class RecommendConfig(ServiceConfig):
    name = "recommend"
    verbose_name = "Recommend"
    service_label = "Recommendation Engine"
    calls = ("catalog", "identity")

    def ready(self) -> None:
        from recommend import receivers

        receivers.connect()

    def seed_demo(self, context) -> None:
        """Learn the model from the seeded history; a second run only rebuilds it when history changed."""
        from identity.selectors import history_interactions
        from recommend.models import RecommenderModel
        from recommend.services import recommender_build

        latest = RecommenderModel.objects.order_by("-id").first()
        if latest is not None and latest.interactions == history_interactions().count():
            context.say("Recommend: model up to date.")
            return
        recommender_build(stdout=context.stdout)
