"""Free TCP ports on loopback, for tests and benchmarks that start servers."""
from __future__ import annotations

import socket


def free_ports(n: int) -> list[int]:
    """n distinct free ports (all sockets held open together, so none is handed out twice)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
