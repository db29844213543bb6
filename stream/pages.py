"""The player page: a signed-in viewer watches a title with hls.js (static files); TV sign-in and password reset."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy

from catalog.models import Kind
from catalog.selectors import episodes_of_shows, title_get_visible, titles_visible_to
from identity.account.device_grant import UserCodeUnknown, device_authorization_decide
from identity.account.services import (
    RESET_ACCEPTED,
    AccountLocked,
    ResetLinkInvalid,
    password_reset_confirm,
    password_reset_request,
)
from identity.account.throttles import (
    DeviceApprovalThrottle,
    PasswordResetAddressThrottle,
    ResetConfirmAddressThrottle,
)
from stream.selectors import cdn_origins

INDEX_TITLES = 60
WATCH_LOGIN_URL = reverse_lazy("stream_pages:login")


class WatchLoginView(auth_views.LoginView):
    """Viewers sign in here (the admin's login admits staff only)."""

    template_name = "stream/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("stream_pages:index")


def _acting_profile(request: HttpRequest):
    """The profile this browser session chose (the main one until it chooses)."""
    from identity.selectors import SESSION_PROFILE_KEY, profile_of, profile_session_note

    profile_session_note(request.user, request.session.get(SESSION_PROFILE_KEY))
    return profile_of(request.user)


@login_required(login_url=WATCH_LOGIN_URL)
def watch_profiles(request: HttpRequest) -> HttpResponse:
    """Who is watching? The account's profiles; a locked one asks for its PIN."""
    from identity.selectors import SESSION_PROFILE_KEY, profile_get, profiles_of
    from identity.services import ProfilePinLocked, ProfilePinWrong, profile_select

    current = _acting_profile(request)
    error, status = "", 200
    if request.method == "POST":
        chosen = profile_get(account=request.user, profile_id=_int(request.POST.get("profile")))
        if chosen is None:
            error, status = "No such profile.", 404
        else:
            try:
                profile_select(user=request.user, profile=chosen, token=None, pin=request.POST.get("pin") or None)
            except ProfilePinWrong:
                error, status = f"The PIN of {chosen.name} is wrong.", 403
            except ProfilePinLocked:
                error, status = f"{chosen.name} is locked after too many wrong PINs.", 403
            else:
                request.session[SESSION_PROFILE_KEY] = chosen.pk
                return redirect("stream_pages:index")
    context = {"profiles": profiles_of(account=request.user), "current": current, "error": error}
    return render(request, "stream/profiles.html", context, status=status)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required(login_url=WATCH_LOGIN_URL)
def watch_index(request: HttpRequest) -> HttpResponse:
    _acting_profile(request)
    titles = titles_visible_to(request.user).order_by("-popularity", "id")[:INDEX_TITLES]
    return render(request, "stream/index.html", {"titles": titles})


@login_required(login_url=WATCH_LOGIN_URL)
def watch(request: HttpRequest, title_id: int) -> HttpResponse:
    _acting_profile(request)
    title = title_get_visible(user=request.user, title_id=title_id)
    episodes = []
    episode = None
    if title.kind == Kind.SHOW:
        episodes = list(episodes_of_shows(show_ids=[title.pk]).order_by("season__number", "number"))
        wanted = request.GET.get("episode", "")
        episode = next((e for e in episodes if str(e.pk) == wanted), episodes[0] if episodes else None)
    config = {
        "title": title.pk,
        "episode": episode.pk if episode else None,
        "sessionsUrl": reverse("stream:session-list"),
        "deviceType": "web",
    }
    detail_url = reverse("catalog:show-detail" if title.kind == Kind.SHOW else "catalog:movie-detail", args=[title.pk])
    context = {"title": title, "episode": episode, "episodes": episodes, "config": config, "detail_url": detail_url}
    response = render(request, "stream/watch.html", context)
    response["Content-Security-Policy"] = player_content_security_policy()
    return response


def player_content_security_policy() -> str:
    """The site's policy, opened as far as playback needs: media and playlists from the CDNs, and hls.js's
    Media Source buffers (`blob:`) and worker."""
    cdns = " ".join(cdn_origins())
    policy = settings.CONTENT_SECURITY_POLICY.replace("connect-src 'self'", f"connect-src 'self' {cdns}".rstrip())
    return f"{policy}; media-src 'self' blob: {cdns}".rstrip() + "; worker-src 'self' blob:"


@login_required(login_url=WATCH_LOGIN_URL)
def activate(request: HttpRequest) -> HttpResponse:
    """Where a viewer types the code a TV shows (RFC 8628's verification URI) and signs the TV in, or refuses."""
    code = (request.POST.get("user_code") or request.GET.get("user_code") or "")[:32]
    context: dict = {"user_code": code}
    status = 200
    if request.method == "POST":
        throttle = DeviceApprovalThrottle()
        if not throttle.allow_request(request, None):
            context["error"], status = "Too many wrong codes: wait a minute and try again.", 429
        else:
            try:
                context["grant"] = device_authorization_decide(
                    user=request.user, user_code=code, approve=request.POST.get("decision") != "deny"
                )
            except UserCodeUnknown:
                throttle.record_failure(request, None)
                context["error"], status = "No TV is waiting for this code. Check it, or start again on the TV.", 400
    return render(request, "stream/activate.html", context, status=status)


def password_reset(request: HttpRequest) -> HttpResponse:
    """The page a password reset email links to: the viewer chooses a new password (under the login lockout)."""
    source = request.POST if request.method == "POST" else request.GET
    context: dict = {"uid": source.get("uid", "")[:64], "token": source.get("token", "")[:128]}
    status = 200
    if request.method == "POST":
        throttle = ResetConfirmAddressThrottle()
        if not throttle.allow_request(request, None):
            context["error"], status = "Too many attempts from here: try again later.", 429
        else:
            try:
                password_reset_confirm(
                    uid=context["uid"], token=context["token"], new_password=request.POST.get("new_password", "")[:128]
                )
            except ResetLinkInvalid:
                throttle.record_failure(request, None)
                context["error"], status = "This link is invalid, already used or expired: ask for a new one.", 400
            except AccountLocked:
                context["error"], status = "Too many failed attempts: this account is locked for a while.", 403
            except ValidationError as exc:
                context["error"], status = " ".join(exc.messages), 400
            else:
                context["done"] = True
    return render(request, "stream/password_reset.html", context, status=status)


def password_forgotten(request: HttpRequest) -> HttpResponse:
    """Asks for a password reset email; the page says the same whether or not the email has an account."""
    context: dict = {}
    status = 200
    if request.method == "POST":
        if not PasswordResetAddressThrottle().allow_request(request, None):
            context["error"], status = "Too many requests from here: try again later.", 429
        else:
            password_reset_request(email=request.POST.get("email", "")[:254])
            context["sent"] = RESET_ACCEPTED
    return render(request, "stream/password_forgotten.html", context, status=status)
