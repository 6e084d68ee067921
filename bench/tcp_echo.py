# SPDX-License-Identifier: GPL-3.0-or-later
"""The Python end of the loopback floor: a blocking TCP echo server for one connection.

Prints its port on one line, then echoes whatever arrives until the peer closes.
"""

from __future__ import annotations

import socket


def main() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        print(server.getsockname()[1], flush=True)
        conn, _ = server.accept()
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while data := conn.recv(65536):
                conn.sendall(data)


if __name__ == "__main__":
    main()
