"""Thin API views of My List: list, add, remove, reorder (for the profile the caller acts for)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from catalog.selectors import titles_visible_to
from identity import library
from identity.models import ListEntry
from identity.serializers import RefusesUnknownFields, TitleBriefSerializer
from identity.views import AccountView


class ListEntrySerializer(serializers.Serializer):
    title = TitleBriefSerializer()
    position = serializers.IntegerField(help_text="Place in the viewer's own order (lowest first).")
    added_at = serializers.DateTimeField()


class ListAddSerializer(RefusesUnknownFields, serializers.Serializer):
    title = serializers.IntegerField(min_value=1)


class ListOrderSerializer(RefusesUnknownFields, serializers.Serializer):
    titles = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        max_length=library.LIST_MAX_ENTRIES,
        help_text="Title ids in the wanted order; titles not named keep their order after them.",
    )


ORDER_PARAMETER = OpenApiParameter(
    "order", OpenApiTypes.STR, enum=list(library.LIST_ORDERS), description="added (newest first, default) or own."
)
LIST_FULL = OpenApiResponse(description=f"The list already holds {library.LIST_MAX_ENTRIES} titles.")


class ListView(AccountView):
    """The acting profile's My List."""

    serializer_class = ListEntrySerializer
    queryset = ListEntry.objects.none()  # for the schema; requests read the profile's list

    @extend_schema(
        summary="My List",
        description="Titles the profile may see now (an entry whose title left the region or its controls is "
        "hidden, not deleted), newest first or in the profile's own order.",
        parameters=[ORDER_PARAMETER],
        responses={200: ListEntrySerializer(many=True)},
    )
    def get(self, request, user_id):
        entries = library.list_for(user=self.account(), order=request.query_params.get("order", "added"))
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(ListEntrySerializer(page, many=True).data)

    @extend_schema(
        summary="Add a title to My List",
        description="201 when added, 200 when it already was (nothing changes). A title the profile may not see "
        "is 400 like an unknown one; 409 past the cap.",
        request=ListAddSerializer,
        responses={201: ListEntrySerializer, 200: ListEntrySerializer, 409: LIST_FULL},
    )
    def post(self, request, user_id):
        account = self.account()
        serializer = ListAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        title = titles_visible_to(account).filter(pk=serializer.validated_data["title"]).first()
        if title is None:
            raise exceptions.ValidationError({"title": [f"Unknown title {serializer.validated_data['title']}."]})
        entry, created = library.list_add(user=account, title=title)  # 409 when the list is full
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ListEntrySerializer(entry).data, status=answer)


class ListEntryView(AccountView):
    """One title of My List."""

    @extend_schema(summary="Remove a title from My List", request=None, responses={204: None})
    def delete(self, request, user_id, title_id):
        if not library.list_remove(user=self.account(), title_id=title_id):
            raise exceptions.NotFound("This title is not on the list.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListOrderView(AccountView):
    """The profile's own order of My List."""

    serializer_class = ListOrderSerializer

    @extend_schema(
        summary="Reorder My List",
        description="The titles named come first, in that order; titles not on the list are 400.",
        request=ListOrderSerializer,
        responses={204: None},
    )
    def put(self, request, user_id):
        account = self.account()
        serializer = ListOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        library.list_reorder(user=account, title_ids=serializer.validated_data["titles"])
        return Response(status=status.HTTP_204_NO_CONTENT)
