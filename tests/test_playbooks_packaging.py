"""Shipped playbooks reach users: inside a built wheel, and through the editable install.

``debugtui/shipped_playbooks`` is a link to the top-level ``playbooks/`` directory; setuptools
follows it, so the YAML files land in the wheel as ``debugtui/shipped_playbooks/*.yaml``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import debugtui.playbooks
from debugtui.playbooks import SHIPPED_DIR, load_playbooks, playbook_files

REPO = Path(__file__).resolve().parent.parent
REPO_PLAYBOOKS = sorted(p.name for p in (REPO / "playbooks").glob("*.yaml"))


def test_editable_install_finds_the_repository_playbooks() -> None:
    assert Path(debugtui.playbooks.__file__).resolve().is_relative_to(REPO)
    assert [p.name for p in playbook_files(SHIPPED_DIR)] == REPO_PLAYBOOKS
    assert len(load_playbooks().playbooks) == len(REPO_PLAYBOOKS)


def test_built_wheel_contains_every_shipped_playbook(tmp_path: Path) -> None:
    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources, and
    # other work in the checkout must not see them.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "debugtui", source / "debugtui", symlinks=True, ignore=ignore)
    shutil.copytree(REPO / "playbooks", source / "playbooks", ignore=ignore)
    out = tmp_path / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = out.glob("debugtui-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(
        n.rsplit("/", 1)[1] for n in names if n.startswith("debugtui/shipped_playbooks/")
    )
    assert shipped == REPO_PLAYBOOKS
    assert "debugtui/playbooks.py" in names
