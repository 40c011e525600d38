"""Every string the pages show has a Persian translation, and the compiled catalog is current."""

from __future__ import annotations

import subprocess
import sys

from ..support import ROOT


def test_every_string_is_translated_and_the_catalog_is_compiled():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "translations.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
