# SPDX-License-Identifier: GPL-3.0-or-later
"""Entry point of ``python -m qtkeras_worker``."""

import sys

from .cli import main

sys.exit(main())
