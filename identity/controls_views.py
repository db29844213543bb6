"""Thin API views of a profile's parental controls: the controls, their PIN (set, verify, unlock) and whether
viewing is allowed now."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from identity import selectors, services
from identity.account import services as account_services
from identity.models import ParentalControls, User
from identity.serializers import (
    CONTROL_DEFAULTS,
    ParentalControlsSerializer,
    PinSerializer,
    PinSetSerializer,
    PinUnlockSerializer,
    ViewingAllowedSerializer,
)
from identity.throttles import PinThrottle
from identity.views import WRITE_METHODS, AccountView, PinAnswers


class PinCheckedView(PinAnswers, AccountView):
    """Base for the endpoints that take the account's PIN; wrong PINs count towards the `pin` throttle and lock."""

    throttle_classes = [PinThrottle]
    kids_may_read = kids_may_write = False  # a kids profile never handles PINs

    def check_throttles(self, request):
        # Ownership first: an unknown and a foreign account both answer 404, however often they were tried.
        if request.method in WRITE_METHODS:
            self.account()
        super().check_throttles(request)


class ControlsView(PinCheckedView):
    """The acting profile's parental controls; once they have a PIN, changing them needs it (wrong PINs are
    throttled). A kids profile reads its own but cannot change them."""

    serializer_class = ParentalControlsSerializer
    kids_may_read = True
    kids_may_write = False

    def current(self, account: User) -> ParentalControls:
        profile = selectors.profile_of(account)
        return ParentalControls.objects.filter(profile=profile).first() or ParentalControls(
            user=account, profile=profile
        )

    def get(self, request, user_id):
        return Response(ParentalControlsSerializer(self.current(self.account())).data)

    def put(self, request, user_id):
        return self.update(partial=False)

    def patch(self, request, user_id):
        return self.update(partial=True)

    def update(self, *, partial: bool):
        account = self.account()
        serializer = ParentalControlsSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        pin = values.pop("pin", None)
        if not partial:
            values = {**CONTROL_DEFAULTS, **values}
        if "blocked_genres" in values:
            values["blocked_genre_ids"] = values.pop("blocked_genres")
        controls = services.parental_controls_update(user=account, pin=pin, **values)
        return Response(ParentalControlsSerializer(controls).data)


class PinView(PinCheckedView):
    """Sets or changes (POST, with the current PIN) or removes (DELETE, with the current PIN) the PIN."""

    serializer_class = PinSetSerializer

    @extend_schema(request=PinSetSerializer, responses={204: None})
    def post(self, request, user_id):
        account = self.account()
        serializer = PinSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.parental_pin_set(
            user=account,
            pin=serializer.validated_data["pin"],
            current_pin=serializer.validated_data.get("current_pin"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PinSerializer, responses={204: None})
    def delete(self, request, user_id):
        account = self.account()
        serializer = PinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.parental_pin_clear(user=account, current_pin=serializer.validated_data["pin"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PinVerifyView(PinCheckedView):
    """Checks a PIN, e.g. before a player unlocks a profile switch: 204 when right, 403 when wrong."""

    serializer_class = PinSerializer

    @extend_schema(request=PinSerializer, responses={204: None})
    def post(self, request, user_id):
        account = self.account()
        serializer = PinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not services.parental_pin_verify(user=account, pin=serializer.validated_data["pin"]):
            raise services.WrongPin
        return Response(status=status.HTTP_204_NO_CONTENT)


class PinUnlockView(AccountView):
    """Lifts the PIN lock that too many wrong PINs set; needs the account password (under the login lockout)."""

    serializer_class = PinUnlockSerializer
    kids_may_read = kids_may_write = False

    @extend_schema(request=PinUnlockSerializer, responses={204: None})
    def post(self, request, user_id):
        account = self.account()
        serializer = PinUnlockSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if authenticate(request, email=account.email, password=serializer.validated_data["password"]) is None:
            locked_until = services.login_locked_until(email=account.email)
            if locked_until is not None:
                raise account_services.AccountLocked(locked_until)
            raise account_services.WrongPassword
        services.parental_pin_unlock(user=account)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ViewingAllowedView(AccountView):
    """May the viewer start watching now (viewing hours, daily limit), and if not, why."""

    serializer_class = ViewingAllowedSerializer

    def get(self, request, user_id):
        allowed, reason = selectors.viewing_allowed_now(user=self.account())
        return Response({"allowed": allowed, "reason": reason})
