"""debugtui: a terminal notebook for the on-call debugging loop.

Kept free of imports so that ``debugtui --version`` and the core modules stay fast.
"""

__version__ = "0.1.0"
