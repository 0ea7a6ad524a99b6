# hostile.py: socket helpers for the hostile-peer tests (test_trickle_*,
# test_pipeline_*): imported with sys.path set to tests/lib.
#
#   connect(port, rcvbuf=0)   a TCP connection to 127.0.0.1:port
#   state(s)                  "closed", "open" or "data", without reading
#   trickle(s, data, gap, answer)
#                             send data a byte every gap seconds; "closed
#                             after I of N bytes" or "sent whole: ANSWER"
#   dns_query(name), dns_answer(s)    one TCP DNS message each way
#   policy_req(client, inst), policy_reply(s)
import select, socket, struct, sys, time

def connect(port, rcvbuf=0):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    s.settimeout(10)	# a guard against a hang only
    return s

def state(s):
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return "open"
    try:
        return "closed" if s.recv(1, socket.MSG_PEEK) == b"" else "data"
    except ConnectionResetError:
        return "closed"

def trickle(s, data, gap, answer):
    for i, b in enumerate(data):
        try:
            s.sendall(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            return "closed after %d of %d bytes" % (i, len(data))
        if state(s) == "closed":
            return "closed after %d of %d bytes" % (i + 1, len(data))
        time.sleep(gap)
    return "sent whole: " + answer(s)

def dns_query(name, qid=0x1234):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    return struct.pack(">H", len(q)) + q

def _recv(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            return None
        b += d
    return b

def dns_answer(s):
    hdr = _recv(s, 2)
    body = hdr and _recv(s, struct.unpack(">H", hdr)[0])
    if not body:
        return "closed"
    return "rcode=%d ancount=%d" % (body[3] & 15,
        struct.unpack(">H", body[6:8])[0])

def policy_req(client, inst="1a"):
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\n"
        "client_address=%s\nhelo_name=mx.example\n"
        "sender=alice@example.net\nrecipient=bob@example.com\n"
        "instance=%s\n\n" % (client, inst)).encode()

def policy_reply(s):
    buf = b""
    while b"\n\n" not in buf:
        try:
            d = s.recv(4096)
        except ConnectionResetError:
            d = b""
        if not d:
            return "closed"
        buf += d
    return buf.split(b"\n", 1)[0].decode()
