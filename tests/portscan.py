#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""TCP connect scan of one address: prints the open ports, one a line.

    portscan.py ADDRESS FIRST LAST [TIMEOUT_MS [PARALLEL]]

Many non-blocking connects are in flight at once, each given TIMEOUT_MS
(default 200) to complete, so a closed port (RST) costs nothing and a
filtered one (DROP) at most TIMEOUT_MS: 65535 filtered ports take about
65535 / PARALLEL * TIMEOUT_MS. Exit status 0 when the scan ran, 2 on usage
errors. For tests only, against the test's own sandboxed addresses.
"""
import errno
import selectors
import socket
import sys
import time


def scan(addr, first, last, timeout, parallel):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sel = selectors.DefaultSelector()
    pending = {}  # socket -> (port, deadline)
    ports = iter(range(first, last + 1))
    found = []
    exhausted = False
    while True:
        while not exhausted and len(pending) < parallel:
            port = next(ports, None)
            if port is None:
                exhausted = True
                break
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((addr, port))
            if err == 0:
                found.append(port)
                s.close()
            elif err in (errno.EINPROGRESS, errno.EAGAIN):
                pending[s] = (port, time.monotonic() + timeout)
                sel.register(s, selectors.EVENT_WRITE)
            else:
                s.close()
        if not pending:
            if exhausted:
                break
            continue
        now = time.monotonic()
        wait = max(0.0, min(d for _, d in pending.values()) - now)
        for key, _ in sel.select(wait):
            s = key.fileobj
            port, _ = pending.pop(s)
            sel.unregister(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                found.append(port)
            s.close()
        now = time.monotonic()
        for s, (port, deadline) in list(pending.items()):
            if now >= deadline:
                del pending[s]
                sel.unregister(s)
                s.close()
    return sorted(found)


def main(argv):
    if len(argv) not in (4, 5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    addr, first, last = argv[1], int(argv[2]), int(argv[3])
    timeout = (int(argv[4]) if len(argv) > 4 else 200) / 1000.0
    parallel = int(argv[5]) if len(argv) > 5 else 500
    for port in scan(addr, first, last, timeout, parallel):
        print(port)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
