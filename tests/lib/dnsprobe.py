#!/usr/bin/env python3
"""dnsprobe.py: send A queries over UDP at a steady rate and check every answer.

usage: dnsprobe.py HOST PORT QNAME WANT_A SECONDS [RATE]

Sends RATE queries per second (default 500) for QNAME for SECONDS, one at a
time, each waiting up to 1 s for its answer. Prints one summary line:
  sent=N ok=N wrong=N lost=N max_ms=F
and exits 1 if any answer was wrong or lost. Used to prove that swapping
index snapshots under load never fails a query. Loopback only.
"""
import random
import socket
import struct
import sys
import time


def query(qname, qid):
    hdr = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q = b"".join(bytes([len(l)]) + l.encode() for l in qname.split(".") if l)
    return hdr + q + b"\0" + struct.pack(">HH", 1, 1)


def first_a(pkt, qid):
    """Return (rcode, first A address text or None), or None if not ours."""
    if len(pkt) < 12:
        return None
    rid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", pkt[:12])
    if rid != qid or not flags & 0x8000:
        return None
    off = 12
    for _ in range(qd):
        while pkt[off] != 0:
            if pkt[off] & 0xC0 == 0xC0:
                off += 1
                break
            off += pkt[off] + 1
        off += 1 + 4
    for _ in range(an):
        if pkt[off] & 0xC0 == 0xC0:
            off += 2
        else:
            while pkt[off] != 0:
                off += pkt[off] + 1
            off += 1
        rtype, rclass, ttl, rdlen = struct.unpack(">HHIH", pkt[off:off + 10])
        off += 10
        if rtype == 1 and rdlen == 4:
            return flags & 0xF, socket.inet_ntoa(pkt[off:off + 4])
        off += rdlen
    return flags & 0xF, None


def main():
    host, port, qname, want = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    seconds = float(sys.argv[5])
    rate = float(sys.argv[6]) if len(sys.argv) > 6 else 500.0
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    sent = ok = wrong = lost = 0
    worst = 0.0
    end = time.monotonic() + seconds
    gap = 1.0 / rate
    while time.monotonic() < end:
        qid = random.randrange(65536)
        t0 = time.monotonic()
        s.sendto(query(qname, qid), (host, port))
        sent += 1
        got = None
        try:
            while got is None:
                pkt, _ = s.recvfrom(4096)
                got = first_a(pkt, qid)
        except socket.timeout:
            lost += 1
            continue
        rtt = (time.monotonic() - t0) * 1000
        worst = max(worst, rtt)
        if got[1] == want:
            ok += 1
        else:
            wrong += 1
            print("wrong answer: rcode=%d a=%s want %s" % (got[0], got[1], want), file=sys.stderr)
        pause = gap - (time.monotonic() - t0)
        if pause > 0:
            time.sleep(pause)
    print("sent=%d ok=%d wrong=%d lost=%d max_ms=%.2f" % (sent, ok, wrong, lost, worst))
    sys.exit(0 if wrong == 0 and lost == 0 and sent > 0 else 1)


if __name__ == "__main__":
    main()
