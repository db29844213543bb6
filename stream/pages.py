"""The player page: a signed-in viewer watches a title with hls.js (served from the static files)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy

from catalog.models import Kind
from catalog.selectors import episodes_of_shows, title_get_visible, titles_visible_to
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
    context = {"title": title, "episode": episode, "episodes": episodes, "config": config}
    response = render(request, "stream/watch.html", context)
    response["Content-Security-Policy"] = player_content_security_policy()
    return response


def player_content_security_policy() -> str:
    """The site's policy, opened as far as playback needs: media and playlists from the CDNs, and hls.js's
    Media Source buffers (`blob:`) and worker."""
    cdns = " ".join(cdn_origins())
    policy = settings.CONTENT_SECURITY_POLICY.replace("connect-src 'self'", f"connect-src 'self' {cdns}".rstrip())
    return f"{policy}; media-src 'self' blob: {cdns}".rstrip() + "; worker-src 'self' blob:"
