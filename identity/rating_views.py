"""Thin API views of ratings: the acting profile's thumbs on titles."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from catalog.selectors import titles_visible_to
from identity import ratings
from identity.models import Rating, RatingValue
from identity.serializers import RefusesUnknownFields, TitleBriefSerializer
from identity.views import AccountView


class RatingSerializer(serializers.Serializer):
    title = TitleBriefSerializer()
    rating = serializers.ChoiceField(source="value", choices=RatingValue.choices)
    rated_at = serializers.DateTimeField()


class RatingInputSerializer(RefusesUnknownFields, serializers.Serializer):
    rating = serializers.ChoiceField(
        choices=RatingValue.choices, help_text="down (not for me: hidden from this profile's rows), up, love."
    )


class RatingListView(AccountView):
    """The acting profile's ratings."""

    serializer_class = RatingSerializer
    queryset = Rating.objects.none()  # for the schema

    @extend_schema(
        summary="Ratings",
        description="Newest first; only of titles the profile may see now.",
        responses={200: RatingSerializer(many=True)},
    )
    def get(self, request, user_id):
        page = self.paginate_queryset(ratings.ratings_for(user=self.account()))
        return self.get_paginated_response(RatingSerializer(page, many=True).data)


class RatingView(AccountView):
    """The acting profile's rating of one title: read, set or change, remove."""

    serializer_class = RatingInputSerializer

    def visible_title(self, account, title_id: int):
        title = titles_visible_to(account).filter(pk=title_id).first()
        if title is None:
            raise exceptions.NotFound("No such title.")
        return title

    @extend_schema(summary="Read a rating", responses={200: RatingSerializer})
    def get(self, request, user_id, title_id):
        rating = ratings.rating_of(user=self.account(), title_id=title_id)
        if rating is None:
            raise exceptions.NotFound("This title is not rated.")
        return Response(RatingSerializer(rating).data)

    @extend_schema(
        summary="Rate a title",
        description="Thumbs down, up or love (two thumbs up), from the title's page or after watching; "
        "separate from watch history. 201 for a new rating, 200 for a change.",
        request=RatingInputSerializer,
        responses={200: RatingSerializer, 201: RatingSerializer},
    )
    def put(self, request, user_id, title_id):
        account = self.account()
        serializer = RatingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        title = self.visible_title(account, title_id)
        rating, created = ratings.rating_set(user=account, title=title, value=serializer.validated_data["rating"])
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(RatingSerializer(rating).data, status=answer)

    @extend_schema(summary="Remove a rating", request=None, responses={204: None})
    def delete(self, request, user_id, title_id):
        if not ratings.rating_remove(user=self.account(), title_id=title_id):
            raise exceptions.NotFound("This title is not rated.")
        return Response(status=status.HTTP_204_NO_CONTENT)
