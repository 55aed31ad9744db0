"""Allows ``python -m debugtui``."""

from debugtui.cli import main

raise SystemExit(main())
