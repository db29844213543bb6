"""Authentication that knows the profile a request acts for: knox bearer tokens and the browser session."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from rest_framework.authentication import SessionAuthentication

from identity.account.authentication import DeviceTokenAuthentication
from identity.profile_selectors import SESSION_PROFILE_KEY, profile_session_note, profile_token_note


class ProfileTokenAuthentication(DeviceTokenAuthentication):
    """Knox's bearer tokens, recording each device's last use; the profile bound to the token
    (`TokenProfile`) is looked up when first needed."""

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        profile_token_note(user, auth_token)
        return user, auth_token


class ProfileSessionAuthentication(SessionAuthentication):
    """The Django session (admin, browsable API, player page); a profile selected in it is kept in the session."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            profile_id = request._request.session.get(SESSION_PROFILE_KEY)
            if profile_id is not None:
                profile_session_note(result[0], profile_id)
        return result


class ProfileTokenScheme(KnoxTokenScheme):
    """The same bearer scheme as knox's in the OpenAPI schema."""

    target_class = "identity.authentication.ProfileTokenAuthentication"


class ProfileSessionScheme(SessionScheme):
    """The same cookie scheme as DRF's session authentication in the OpenAPI schema."""

    target_class = "identity.authentication.ProfileSessionAuthentication"
