"""Refresh the dashboard's screenshots in docs/img/: ``python docs/screenshots.py``.

Runs the browser tests (tests/browser), which save a screenshot of each main view wherever
``HYPERTRACK_MOCK_SCREENSHOTS`` says, with it set to this directory's img/.  Needs Debian's chromium
(``HYPERTRACK_MOCK_BROWSER``, default /usr/bin/chromium) and the ``ui-test`` extra.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    env = {**os.environ, "HYPERTRACK_MOCK_SCREENSHOTS": str(ROOT / "docs" / "img"),
           "HYPERTRACK_MOCK_BROWSER": os.environ.get("HYPERTRACK_MOCK_BROWSER", "/usr/bin/chromium")}
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/browser"],
                             cwd=ROOT, env=env))
