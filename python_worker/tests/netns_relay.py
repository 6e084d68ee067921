# SPDX-License-Identifier: GPL-3.0-or-later
"""Relays one TCP connection to 127.0.0.1:PORT of the network namespace it runs in through
its standard input and output, as `ssh -W` does: the test's client in another namespace
reaches a worker that listens on its own loopback only."""

import os
import socket
import sys
import threading


def main() -> None:
    sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))

    def upstream() -> None:
        while data := os.read(0, 65536):
            sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)

    threading.Thread(target=upstream, daemon=True).start()
    while data := sock.recv(65536):
        os.write(1, data)


if __name__ == "__main__":
    main()
