# SPDX-License-Identifier: GPL-3.0-or-later
"""QtKeras worker: runs the Python commands of the QtKeras IDE, with Keras, over HTTP.

Start it with ``python -m qtkeras_worker``; docs/PROTOCOL.md describes the wire protocol.
"""

__version__ = "0.1.0"
