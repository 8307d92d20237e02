"""Where the real CBS/PDOK test files are: ``$UDC_TEST_DATA``, else ``../shared/data`` next to the repository, else
next to the repository this one was cloned from (a local clone in a temporary directory)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _find() -> Path:
    if os.environ.get("UDC_TEST_DATA"):
        return Path(os.environ["UDC_TEST_DATA"])
    beside = REPO.parent / "shared" / "data"
    if beside.is_dir():
        return beside
    try:
        origin = subprocess.run(
            ["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        origin = ""
    if origin and Path(origin).is_dir():
        return Path(origin).resolve().parent / "shared" / "data"
    return beside


DATA = _find()
