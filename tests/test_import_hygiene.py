"""The core must be usable without the TUI: importing it never loads Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = [
    "debugtui.config",
    "debugtui.timewindow",
    "debugtui.cli",
    "debugtui.sources.base",
    "debugtui.sources.registry",
    "debugtui.notebook.model",
]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_without_textual(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "heavy = sorted(m for m in ('textual', 'psycopg', 'docker', 'git') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{module} pulled in {out}"
