"""callgrind.py: bench/dnsbl/run --callgrind, user-space instructions per query.

Each server runs alone under valgrind --tool=callgrind (fairlist with one
UDP worker, dns { workers 1 }), on the zone and query file of gen.py. Once
it answers, the query file is split in its A and its TXT queries and each
half is sent in turn (at most WINDOW queries outstanding, every answer
awaited); callgrind_control -e reads the process's instruction count (Ir,
all threads) before and after each half. Then the server gets no queries
for as long as each half took, and those idle counts (fairlist's reload
thread polls the store) are subtracted: the zero-query baseline.

  instructions/query (A)   = (Ir during the A half - Ir idle as long) / A answered
  instructions/query (TXT) likewise; (all) = both halves over both counts.

Instruction counts do not depend on the machine's load, so these figures
can be compared between runs on a busy machine; wall-clock figures cannot.
"""
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import time

WINDOW = 32         # queries outstanding, as a batching client keeps
STALL_S = 5.0       # no answer for this long: the rest count as lost


def read_queries(path):
    out = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 2:
                out.append((p[0], p[1]))
    return out


def wire(qid, name, qtype):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for lab in name.split("."):
        q += bytes([len(lab)]) + lab.encode()
    return q + b"\0" + struct.pack(">HH", {"A": 1, "TXT": 16}[qtype], 1)


def send_all(port, queries):
    """Send every query, WINDOW at a time; returns (answered, lost)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    pkts = [wire(i & 0xffff, n, t) for i, (n, t) in enumerate(queries)]
    pending = {}            # id -> index of the query in flight
    nxt = answered = 0
    last = time.monotonic()
    while nxt < len(pkts) or pending:
        while nxt < len(pkts) and len(pending) < WINDOW:
            qid = nxt & 0xffff
            if qid in pending:
                break
            s.send(pkts[nxt])
            pending[qid] = nxt
            nxt += 1
        r, _, _ = select.select([s], [], [], 0.5)
        if not r:
            if time.monotonic() - last > STALL_S:
                break
            continue
        while True:
            try:
                b = s.recv(4096)
            except BlockingIOError:
                break
            if len(b) >= 12:
                qid = struct.unpack(">H", b[:2])[0]
                if pending.pop(qid, None) is not None:
                    answered += 1
                    last = time.monotonic()
    s.close()
    return answered, len(queries) - answered


def instructions(pid, env, prefix, user):
    """Ir of every thread of the callgrind run pid, summed."""
    cmd = ["callgrind_control", "--vgdb-prefix=" + prefix, "-e", str(pid)]
    if user is not None:
        cmd = ["runuser", "-u", user, "--"] + cmd
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=120, env=env)
    tot, seen = 0, False
    for m in re.finditer(r"^\s*Th\s+\d+\s+([\d,]+)", r.stdout, re.M):
        tot += int(m.group(1).replace(",", ""))
        seen = True
    if not seen:
        raise RuntimeError("callgrind_control -e %d: %s" %
                           (pid, r.stdout.strip()[-500:]))
    return tot


def settle(name, pid, env, prefix, user, log):
    """Wait until the server is idle: a server answers its first query
    before it has started everything (fairlist's HTTP service and its
    OpenSSL set-up, some 7M instructions, came after the DNS service and
    fell into the A half). Idle is under 1M instructions in a second,
    fifty times fairlist's idle rate; at most 120 s."""
    last = instructions(pid, env, prefix, user)
    for _ in range(120):
        time.sleep(1)
        now = instructions(pid, env, prefix, user)
        if now - last < 1000000:
            log("%s settled: %d instructions in the last second" %
                (name, now - last))
            return
        last = now
    raise RuntimeError("%s under callgrind did not settle" % name)


def measure(name, pid, port, queries, env, prefix, user, log):
    halves = {t: [q for q in queries if q[1] == t] for t in ("A", "TXT")}
    res = {}
    settle(name, pid, env, prefix, user, log)
    for t, qs in halves.items():
        i0 = instructions(pid, env, prefix, user)
        t0 = time.monotonic()
        ok, lost = send_all(port, qs)
        dt = time.monotonic() - t0
        i1 = instructions(pid, env, prefix, user)
        res[t] = {"sent": len(qs), "answered": ok, "lost": lost,
                  "ir": i1 - i0, "seconds": dt}
        log("%s %s: %d answered, %d lost, %d instructions in %.1f s" %
            (name, t, ok, lost, i1 - i0, dt))
    for t in halves:
        i0 = instructions(pid, env, prefix, user)
        time.sleep(res[t]["seconds"])
        i1 = instructions(pid, env, prefix, user)
        res[t]["idle_ir"] = i1 - i0
        log("%s idle for %.1f s: %d instructions" %
            (name, res[t]["seconds"], i1 - i0))
    for t in halves:
        r = res[t]
        r["per_query"] = (r["ir"] - r["idle_ir"]) / max(r["answered"], 1)
    n = sum(res[t]["answered"] for t in halves)
    res["all"] = {"answered": n, "per_query": sum(
        res[t]["ir"] - res[t]["idle_ir"] for t in halves) / max(n, 1)}
    return res


def valgrind(prefix, outdir):
    return ["valgrind", "--tool=callgrind", "--vgdb=yes",
            "--vgdb-prefix=" + prefix, "--dump-instr=no",
            "--callgrind-out-file=" + os.path.join(outdir, "callgrind.out.%p")]


def run_callgrind(a, data, m):
    """m: the run script's module (start, stop, free_port, wait_listed, ...)."""
    log = m.log
    queries = read_queries(data["queries"])
    R = {}
    # rbldnsd refuses to run as root: valgrind runs as its user, rbldns,
    # and so does callgrind_control (vgdb's FIFOs carry the user's name).
    d = tempfile.mkdtemp(prefix="cg-rbldnsd-", dir=a.tmp)
    os.chmod(d, 0o777)
    shutil.copyfile(data["zone"], os.path.join(d, "zone"))
    os.chmod(os.path.join(d, "zone"), 0o644)
    port = m.free_port()
    env = dict(os.environ, USER="rbldns", LOGNAME="rbldns")
    env.pop("HOST", None)
    prefix = os.path.join(d, "vgdb")
    cmd = (["runuser", "-u", "rbldns", "--"] + valgrind(prefix, d) +
           [m.RBLDNSD, "-n", "-b", "127.0.0.1/%d" % port, "-w", d, "-c", "0",
            "%s:ip4set:zone" % m.ZONE])
    p = m.start(cmd, os.path.join(a.out, "callgrind-rbldnsd.log"))
    if m.wait_listed(port, data["gen"]["listed_name"], time.monotonic(),
                     600, p) is None:
        raise RuntimeError("rbldnsd under callgrind did not answer")
    pid = valgrind_pid(p.pid, m)
    R["rbldnsd"] = measure("rbldnsd", pid, port, queries, env, prefix,
                           "rbldns", log)
    R["rbldnsd"]["cmd"] = " ".join(cmd)
    m.stop(p)

    if not a.skip_fairlist:
        R["fairlist"] = run_fairlist(a, data, m, queries)
    return R


def valgrind_pid(pid, m):
    """The valgrind process under runuser (runuser forks it)."""
    for q in m.descendants(pid):
        try:
            with open("/proc/%d/comm" % q) as f:
                if f.read().startswith(("callgrind", "valgrind", "memcheck")):
                    return q
        except OSError:
            pass
    return pid


def run_fairlist(a, data, m, queries):
    log = m.log
    fl = m.fairlist_bin(a)
    d = tempfile.mkdtemp(prefix="cg-fairlist-", dir=a.tmp)
    db = os.path.join(d, "bench.db")
    port = m.free_port()
    conf = os.path.join(d, "fairlist.conf")
    m.fairlist_conf(conf, db, port, workers=1)
    base = [fl, "--db", db, "--config", conf]
    for c in (["zone", "add", m.ZONE],
              ["import", "--format", "ip4set", "--zone", m.ZONE,
               data["zone"]]):
        r = m.sh(base + c, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                 text=True)
        if r.returncode != 0:
            raise RuntimeError("fairlist %s: %s" % (c[0], r.stdout))
    # One native start compiles the index and saves <db>.snap; the run
    # under callgrind then loads that file instead of compiling.
    p = m.start(base + ["serve"], os.path.join(a.out, "callgrind-prep.log"))
    if m.wait_listed(port, data["gen"]["listed_name"], time.monotonic(), 120,
                     p) is None:
        raise RuntimeError("fairlist serve did not answer")
    for _ in range(600):
        if os.path.exists(db + ".snap"):
            break
        time.sleep(0.1)
    time.sleep(0.5)
    m.stop(p)
    prefix = os.path.join(d, "vgdb")
    cmd = valgrind(prefix, d) + base + ["serve"]
    p = m.start(cmd, os.path.join(a.out, "callgrind-fairlist.log"))
    if m.wait_listed(port, data["gen"]["listed_name"], time.monotonic(), 600,
                     p) is None:
        raise RuntimeError("fairlist under callgrind did not answer")
    env = dict(os.environ)
    if getattr(a, "profile", False):
        settle("fairlist", p.pid, env, prefix, None, log)
        control(p.pid, env, prefix, "-z")
    R = measure("fairlist", p.pid, port, queries, env, prefix, None, log)
    R["cmd"] = " ".join(cmd)
    if getattr(a, "profile", False):
        # The counts since the zeroing (both halves and the idle
        # stretches), per function: callgrind_annotate reads the file.
        control(p.pid, env, prefix, "-d")
        dumps = sorted(f for f in os.listdir(d)
                       if f.startswith("callgrind.out."))
        for f in dumps:
            shutil.copyfile(os.path.join(d, f),
                            os.path.join(a.out, "profile-" + f))
        log("profile: %s" % ", ".join(
            os.path.join(a.out, "profile-" + f) for f in dumps))
    m.stop(p)
    return R


def control(pid, env, prefix, opt):
    subprocess.run(["callgrind_control", "--vgdb-prefix=" + prefix, opt,
                    str(pid)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.STDOUT, timeout=120, env=env,
                   check=True)


def report(R, a, head):
    lines = [head, "",
             "%-10s %14s %14s %8s" % ("query", "rbldnsd", "fairlist",
                                      "ratio")]
    rb, fl = R.get("rbldnsd", {}), R.get("fairlist", {})
    for t in ("all", "A", "TXT"):
        rv = rb.get(t, {}).get("per_query")
        fv = fl.get(t, {}).get("per_query")
        ratio = "%.2fx" % (fv / rv) if rv and fv is not None else "-"
        lines.append("%-10s %14s %14s %8s" % (
            t, "%.0f" % rv if rv is not None else "-",
            "%.0f" % fv if fv is not None else "-", ratio))
    lines.append("")
    lines.append("instructions per answered query (callgrind Ir, every "
                 "thread, less as long an idle stretch); target: fairlist "
                 "<= 1/3 of rbldnsd for A and TXT (ratio <= 0.33x)")
    for k, v in (("rbldnsd", rb), ("fairlist", fl)):
        for t in ("A", "TXT"):
            if t in v:
                lines.append("%s %s: %d sent, %d answered, %d lost, %d Ir, "
                             "%d Ir idle" % (k, t, v[t]["sent"],
                                             v[t]["answered"], v[t]["lost"],
                                             v[t]["ir"], v[t]["idle_ir"]))
    return "\n".join(lines) + "\n"
