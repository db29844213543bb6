"""The import contract in .importlinter: which service may import which, checked by import-linter."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("catalog", "identity", "analytics", "recommend", "stream", "topology", "streaming_platform")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / ".importlinter")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_services_keep_the_import_contract():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import", "broken"),
    [
        # The circle that was inverted: the catalog asks a registered provider, never identity.
        ("catalog/selectors.py", "from identity.selectors import content_restrictions_for", "catalog.selectors ->"),
        # The hooks that became events: identity announces, recommend listens.
        ("identity/services.py", "from recommend.services import recommendations_invalidate", "identity.services ->"),
        # The shared modules sit below every service.
        ("streaming_platform/events.py", "from catalog.models import Title", "streaming_platform.events ->"),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward_import, broken):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    with open(tmp_path / module, "a") as source:
        source.write(f"\n{upward_import}  # noqa: E402\n")

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    assert "BROKEN" in result.stdout and broken in result.stdout, result.stdout + result.stderr
