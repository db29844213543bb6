"""Services and selectors say what went wrong in domain errors; the API turns them into its JSON shapes."""

import ast
from pathlib import Path

import pytest
from django.http import Http404
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from streaming_platform import errors

ROOT = Path(__file__).resolve().parents[2]
APPS = ("catalog", "identity", "analytics", "recommend", "stream", "topology")


def domain_modules() -> list[Path]:
    """Every services and selectors module (or package) of the apps, and analytics' reports and rollups."""
    found = []
    for app in APPS:
        for name in ("services", "selectors"):
            found += [path for path in [ROOT / app / f"{name}.py"] if path.exists()]
            found += sorted((ROOT / app / name).glob("**/*.py"))
            found += sorted(path for path in (ROOT / app).glob(f"*/{name}.py") if path.parent.name != "tests")
    found += sorted((ROOT / "analytics" / "reports").glob("*.py")) + [ROOT / "analytics" / "rollups.py"]
    return found


@pytest.mark.parametrize("path", domain_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_the_domain_layer_does_not_speak_http(path):
    tree = ast.parse(path.read_text())
    runtime = [
        node for node in tree.body if not (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test))
    ]
    nodes = [node for top in runtime for node in ast.walk(top)]
    imported = [node.module or "" for node in nodes if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in nodes if isinstance(node, ast.Import) for alias in node.names]
    assert not [module for module in imported if module.split(".")[0] == "rest_framework"]
    assert "django.http" not in imported, "raise streaming_platform.errors.NotFound instead of Http404"


class Failing(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    error: Exception = errors.DomainError()

    def get(self, request):
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "body", "retry_after"),
    [
        (errors.NotFound("No such title."), 404, {"detail": "No such title."}, None),
        (errors.Forbidden(), 403, {"detail": "You do not have permission to perform this action."}, None),
        (
            errors.Conflict("Taken.", extra={"code": "taken", "max": 5}),
            409,
            {"detail": "Taken.", "code": "taken", "max": 5},
            None,
        ),
        (errors.Unavailable("Try later.", retry_after=5), 503, {"detail": "Try later."}, "5"),
        (
            errors.Invalid("Bad.", extra={"errors": [{"index": 0}]}),
            400,
            {"detail": "Bad.", "errors": [{"index": 0}]},
            None,
        ),
    ],
)
def test_a_domain_error_is_the_apis_json_error(error, status, body, retry_after):
    response = Failing.as_view(error=error)(APIRequestFactory().get("/api/anything/"))

    assert response.status_code == status
    assert response.data == body
    assert response.get("Retry-After") == retry_after


def test_not_found_and_forbidden_are_djangos_too():
    # A plain Django view (the player page) calling a selector answers them as Django always does.
    from django.core.exceptions import PermissionDenied

    assert isinstance(errors.NotFound(), Http404)
    assert isinstance(errors.Forbidden(), PermissionDenied)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("caller", "write", "raised"),
    [
        ("owner", False, None),
        ("owner", True, None),
        ("staff", False, None),
        ("staff", True, errors.Forbidden),
        ("other", False, errors.NotFound),
        ("other", True, errors.NotFound),
        ("anonymous", False, errors.NotFound),
    ],
)
def test_the_one_owner_or_staff_rule(caller, write, raised):
    from django.contrib.auth.models import AnonymousUser

    from identity.tests.factories import UserFactory
    from streaming_platform.ownership import owner_or_staff_check

    owner = UserFactory()
    user = {
        "owner": owner,
        "staff": UserFactory(is_staff=True),
        "other": UserFactory(),
        "anonymous": AnonymousUser(),
    }[caller]
    if raised is None:
        owner_or_staff_check(user, owner.pk, write=write)
    else:
        with pytest.raises(raised):
            owner_or_staff_check(user, owner.pk, write=write)
    with pytest.raises(errors.NotFound):
        owner_or_staff_check(user, None, write=write)  # no such records: the same for everyone
