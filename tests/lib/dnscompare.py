#!/usr/bin/env python3
"""dnscompare.py: ask several DNS servers the same A and TXT questions and
compare their answers (rcode and answer section) with the first one's.

usage: dnscompare.py NAMES HOST:PORT HOST:PORT...

NAMES is a file with one query name per line. Queries go over UDP with
EDNS (4096 bytes), up to 200 outstanding per server, each retried up to
5 times (1 s apart) while unanswered. Prints one line per server
  server=HOST:PORT queries=N same=N differ=N lost=N
and up to 10 differences, and exits 1 if any answer differs or is lost.
Loopback only: a test helper.
"""
import select
import socket
import struct
import sys
import time

TYPES = (1, 16)        # A, TXT
WINDOW = 200


def qname_wire(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")
                    if l) + b"\0"


def query(qid, name, qtype):
    hdr = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 1)
    opt = b"\0" + struct.pack(">HHIH", 41, 4096, 0, 0)
    return hdr + qname_wire(name) + struct.pack(">HH", qtype, 1) + opt


def read_name(pkt, off):
    labels, jumps, end = [], 0, None
    while True:
        n = pkt[off]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = off + 2
            off = (n & 0x3F) << 8 | pkt[off + 1]
            jumps += 1
            if jumps > 128:
                raise ValueError("pointer loop")
            continue
        if n == 0:
            return ".".join(labels).lower(), end if end is not None \
                else off + 1
        labels.append(pkt[off + 1:off + 1 + n].decode("latin-1"))
        off += 1 + n


def parse(pkt):
    """(id, rcode, sorted answer tuples) of a response."""
    qid, flags, qd, an, _, _ = struct.unpack(">HHHHHH", pkt[:12])
    off = 12
    for _ in range(qd):
        _, off = read_name(pkt, off)
        off += 4
    rrs = []
    for _ in range(an):
        owner, off = read_name(pkt, off)
        rtype, rclass, ttl, rdlen = struct.unpack(">HHIH", pkt[off:off + 10])
        off += 10
        rd = pkt[off:off + rdlen]
        off += rdlen
        if rtype == 1:
            data = socket.inet_ntoa(rd)
        elif rtype == 16:
            strs, i = [], 0
            while i < len(rd):
                strs.append(rd[i + 1:i + 1 + rd[i]].decode("latin-1"))
                i += 1 + rd[i]
            data = "|".join(strs)
        else:
            data = rd.hex()
        rrs.append((owner, rtype, rclass, ttl, data))
    return qid, flags & 0xF, tuple(sorted(rrs))


def ask_all(server, questions):
    host, port = server.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    answers = {}
    pending = {}            # qid -> (index, tries, sent_at)
    nxt = 0
    qid_of = {}
    while nxt < len(questions) or pending:
        while nxt < len(questions) and len(pending) < WINDOW:
            qid = nxt % 65536
            name, qtype = questions[nxt]
            s.send(query(qid, name, qtype))
            pending[qid] = (nxt, 1, time.monotonic())
            qid_of[nxt] = qid
            nxt += 1
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            try:
                pkt = s.recv(65535)
                qid, rcode, rrs = parse(pkt)
            except (OSError, ValueError, IndexError, struct.error):
                continue
            if qid in pending:
                answers[pending.pop(qid)[0]] = (rcode, rrs)
            continue
        now = time.monotonic()
        for qid, (i, tries, at) in list(pending.items()):
            if now - at < 1.0:
                continue
            if tries >= 5:
                pending.pop(qid)
                continue
            name, qtype = questions[i]
            s.send(query(qid, name, qtype))
            pending[qid] = (i, tries + 1, now)
    return answers


def main():
    names = [l.strip() for l in open(sys.argv[1]) if l.strip()]
    servers = sys.argv[2:]
    questions = [(n, t) for n in names for t in TYPES]
    ref = ask_all(servers[0], questions)
    bad = 0
    for server in servers:
        got = ask_all(server, questions)
        same = differ = lost = 0
        shown = 0
        for i, q in enumerate(questions):
            if i not in got or i not in ref:
                lost += 1
            elif got[i] == ref[i]:
                same += 1
            else:
                differ += 1
                if shown < 10:
                    shown += 1
                    print("  %s %s %s: got %s, want %s" % (
                        server, q[0], "A" if q[1] == 1 else "TXT",
                        got[i], ref[i]))
        print("server=%s queries=%d same=%d differ=%d lost=%d" % (
            server, len(questions), same, differ, lost))
        if differ or lost:
            bad = 1
    sys.exit(bad)


if __name__ == "__main__":
    main()
