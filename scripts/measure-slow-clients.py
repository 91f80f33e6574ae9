#!/usr/bin/env python3
"""Slow clients against a real `kezek serve` (docs/design-api.md, «Threats and limits»).

1. SLOW sockets trickle a request head, one byte a second (a slowloris): how long until the
   server closes each (the header-read timeout, 10 s by default), and how long /healthz takes
   for an honest client meanwhile.
2. More connections than the cap (512 by default) held open at once: how many were answered
   503 `server_busy`, and how long until /healthz answers again once they are gone.

Usage: cargo build --release && scripts/measure-slow-clients.py [path/to/kezek]
Environment: SLOW (default 200), OVER (connections beyond the cap, default 100), PORT
(default 18090). Needs a file descriptor limit above the cap plus OVER.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/kezek"
SLOW = int(os.environ.get("SLOW", "200"))
OVER = int(os.environ.get("OVER", "100"))
PORT = int(os.environ.get("PORT", "18090"))
CAP = 512  # `limits.max_connections`' default
GIVE_UP = 60.0


def healthz_seconds():
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=GIVE_UP) as answer:
        answer.read()
    return time.monotonic() - started


def connect():
    sock = socket.create_connection(("127.0.0.1", PORT))
    sock.setblocking(False)
    return sock


def closed(sock):
    """Whether the server closed `sock` (EOF or reset); reads and drops what it sent."""
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def slowloris():
    head = b"GET /healthz HTTP/1.1\r\nHost: kezek\r\nX-Slow: " + b"a" * 100
    started = time.monotonic()
    open_ = {connect(): 0 for _ in range(SLOW)}
    lifetimes = []
    healthz = []
    while open_ and time.monotonic() - started < GIVE_UP:
        for sock in list(open_):
            if closed(sock):
                lifetimes.append(time.monotonic() - started)
                del open_[sock]
                sock.close()
                continue
            sent = open_[sock]
            try:
                sock.send(head[sent % len(head):sent % len(head) + 1])
                open_[sock] = sent + 1
            except OSError:
                pass
        healthz.append(healthz_seconds())
        time.sleep(1)
    for sock in open_:
        sock.close()
    print(f"slowloris: {SLOW} sockets trickling a head, one byte a second")
    print(f"  closed by the server: {len(lifetimes)} of {SLOW}; still open after {GIVE_UP:.0f} s: {len(open_)}")
    if lifetimes:
        print(
            "  time to close: min %.1f s, median %.1f s, max %.1f s"
            % (min(lifetimes), statistics.median(lifetimes), max(lifetimes))
        )
    print(
        "  /healthz meanwhile: median %.1f ms, max %.1f ms over %d requests"
        % (statistics.median(healthz) * 1000, max(healthz) * 1000, len(healthz))
    )


def over_the_cap():
    held = [connect() for _ in range(CAP + OVER)]
    time.sleep(1)
    busy = dropped = 0
    for sock in held:
        try:
            answer = sock.recv(4096)
            busy += b" 503 " in answer
            dropped += not answer
        except BlockingIOError:
            pass  # nothing sent: a connection being served
        except OSError:
            dropped += 1
    for sock in held:
        sock.close()
    started = time.monotonic()
    while True:
        try:
            healthz_seconds()
            break
        except OSError:
            time.sleep(0.01)
    print(f"cap: {CAP + OVER} connections held open at once, the cap is {CAP}")
    print(f"  answered 503 server_busy at once: {busy}; closed without an answer: {dropped}")
    print("  /healthz answered again %.0f ms after they closed" % ((time.monotonic() - started) * 1000))


def main():
    with tempfile.TemporaryDirectory() as work:
        server = subprocess.Popen(
            [BIN, "serve", "--demo", "--demo-applications", "0",
             "--db", f"sqlite://{work}/kezek.db", "--listen", f"127.0.0.1:{PORT}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    healthz_seconds()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        sys.exit("the server did not start")
                    time.sleep(0.2)
            slowloris()
            over_the_cap()
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
