#!/usr/bin/env python3
"""gen.py: the DNSBL benchmark's zone and query mix, deterministic (fixed seed).

  gen.py [--seed N] [--singles N] [--cidrs N] [--excl N] [--queries N] OUTDIR

writes OUTDIR/zone.ip4set (rbldnsd ip4set), OUTDIR/queries (dnsperf input:
"name type" lines), OUTDIR/expect (the right answer to each query line, for
qgen: "NXDOMAIN", "A 127.0.0.2" or "TXT text") and OUTDIR/gen.json (the
parameters, a few known names).

The zone: N random /32 (never in 0/8, 10/8, 127/8, 198.51.100/24, 224/3, nor
inside a range), N random non-overlapping CIDR ranges /16../28, N exclusions
"!a.b.c.d" inside those ranges, one default value line.
The queries: half for listed addresses (4/5 single /32, 1/5 inside a range),
half for unlisted ones (mostly random, one in 50 an excluded address), half A
and half TXT, shuffled.
"""
import argparse
import bisect
import json
import os
import random
import sys

ZONE = "bl.bench.test"
DEFAULT_LINE = ":127.0.0.2:Listed in bench zone, see http://127.0.0.1/lookup/$"
RELOAD_IP = "198.51.100.7"      # never in the zone: the reload test adds it


def ip_str(v):
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def qname(v):
    return "%d.%d.%d.%d.%s" % (v & 255, (v >> 8) & 255, (v >> 16) & 255,
                               v >> 24, ZONE)


def forbidden(v):
    a = v >> 24
    return (a == 0 or a == 10 or a == 127 or a >= 224
            or (v >> 8) == (198 << 16 | 51 << 8 | 100))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--singles", type=int, default=1000000)
    ap.add_argument("--cidrs", type=int, default=5000)
    ap.add_argument("--excl", type=int, default=500)
    ap.add_argument("--queries", type=int, default=200000)
    ap.add_argument("outdir")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.outdir, exist_ok=True)

    # Ranges: non-overlapping, kept as sorted (start, end) intervals.
    starts, ends, ranges = [], [], []
    while len(ranges) < a.cidrs:
        plen = rnd.randint(16, 28)
        size = 1 << (32 - plen)
        net = rnd.getrandbits(32) & ~(size - 1) & 0xffffffff
        last = net + size - 1
        if forbidden(net) or forbidden(last):
            continue
        i = bisect.bisect_right(starts, last)
        if i > 0 and ends[i - 1] >= net:
            continue                    # overlaps the range before
        starts.insert(i, net)
        ends.insert(i, last)
        ranges.append((net, plen))

    def in_range(v):
        i = bisect.bisect_right(starts, v)
        return i > 0 and ends[i - 1] >= v

    excl = set()
    while len(excl) < a.excl:
        net, plen = ranges[rnd.randrange(len(ranges))]
        excl.add(net + rnd.randrange(1 << (32 - plen)))

    singles = set()
    while len(singles) < a.singles:
        v = rnd.getrandbits(32)
        if forbidden(v) or in_range(v):
            continue
        singles.add(v)
    singles = sorted(singles)

    # Interleave entry kinds in a fixed order so the file looks like a
    # real list rather than three sorted blocks.
    lines = [DEFAULT_LINE]
    lines += ["%s/%d" % (ip_str(n), p) for n, p in ranges]
    lines += ["!" + ip_str(v) for v in sorted(excl)]
    body = [ip_str(v) for v in singles]
    rnd.shuffle(body)
    lines += body
    zpath = os.path.join(a.outdir, "zone.ip4set")
    with open(zpath + ".tmp", "w") as f:
        f.write("# fairlist bench zone: seed %d, %d /32, %d ranges, "
                "%d exclusions\n" % (a.seed, a.singles, a.cidrs, a.excl))
        f.write("\n".join(lines))
        f.write("\n")
    os.replace(zpath + ".tmp", zpath)

    # Queries.
    singleset = set(singles)
    exl = sorted(excl)
    half = a.queries // 2
    listed, unlisted = [], []
    for i in range(half):
        if i % 5 == 4:
            while True:
                net, plen = ranges[rnd.randrange(len(ranges))]
                v = net + rnd.randrange(1 << (32 - plen))
                if v not in excl:
                    break
        else:
            v = singles[rnd.randrange(len(singles))]
        listed.append(v)
    for i in range(a.queries - half):
        if i % 50 == 49:
            v = exl[rnd.randrange(len(exl))]
        else:
            while True:
                v = rnd.getrandbits(32)
                if not (forbidden(v) or in_range(v) or v in singleset):
                    break
        unlisted.append(v)
    qs = [(v, "A" if i % 2 == 0 else "TXT") for i, v in enumerate(listed)]
    qs += [(v, "A" if i % 2 == 0 else "TXT") for i, v in enumerate(unlisted)]
    rnd.shuffle(qs)
    qpath = os.path.join(a.outdir, "queries")
    with open(qpath + ".tmp", "w") as f:
        for v, t in qs:
            f.write("%s %s\n" % (qname(v), t))
    os.replace(qpath + ".tmp", qpath)
    # What the default line answers: its code, its text with $ = the address.
    code, text = DEFAULT_LINE[1:].split(":", 1)
    epath = os.path.join(a.outdir, "expect")
    listed_set = set(listed)
    with open(epath + ".tmp", "w") as f:
        for v, t in qs:
            if v not in listed_set:
                f.write("NXDOMAIN\n")
            elif t == "A":
                f.write("A %s\n" % code)
            else:
                f.write("TXT %s\n" % text.replace("$", ip_str(v)))
    os.replace(epath + ".tmp", epath)

    info = {
        "seed": a.seed, "singles": a.singles, "cidrs": a.cidrs,
        "excl": a.excl, "queries": a.queries, "zone": ZONE,
        "listed_name": qname(singles[0]),
        "listed_range_name": qname(ranges[0][0] + 1),
        "excluded_name": qname(exl[0]),
        "unlisted_name": qname(unlisted[0]),
        "reload_ip": RELOAD_IP,
        "reload_name": qname(int.from_bytes(bytes(
            int(x) for x in RELOAD_IP.split(".")), "big")),
    }
    with open(os.path.join(a.outdir, "gen.json"), "w") as f:
        json.dump(info, f, indent=1)
    print("gen.py: %s: %d lines; %s: %d queries" %
          (zpath, len(lines), qpath, len(qs)), file=sys.stderr)


if __name__ == "__main__":
    main()
