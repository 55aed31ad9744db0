"""Where the config file is looked for, with ``os`` alone.

:mod:`debugtui.config` loads ``dataclasses``, ``pathlib`` and ``typing`` (~30 ms); a
whole-process ``debugtui snapshot`` asks the container engine before that, when no config
file exists to name another engine (see :mod:`debugtui.sources.containerprefetch`). Both
look for the file here, so they cannot disagree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

APP = "debugtui"
LOCAL_CONFIG = "debugtui.toml"
"""Looked for in the current directory first."""


def xdg_config_home(env: Mapping[str, str] | None = None) -> str:
    """``$XDG_CONFIG_HOME``, else ``~/.config``."""
    env = os.environ if env is None else env
    return env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")


def config_candidates(env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The files looked for when none is given, in order: the first that exists wins."""
    return LOCAL_CONFIG, os.path.join(xdg_config_home(env), APP, "config.toml")
