# policy_ask.py PORT CLIENT: the first line of the policy server's reply
# for CLIENT at RCPT, with no sender and no HELO name (so no SPF lookup).
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
s.sendall(("request=smtpd_access_policy\nprotocol_state=RCPT\n"
    "protocol_name=ESMTP\nclient_address=%s\nclient_name=unknown\n"
    "helo_name=\nsender=\nrecipient=user@example.test\ninstance=1.1\n\n"
    % sys.argv[2]).encode())
buf = b""
while not buf.endswith(b"\n\n"):
    b = s.recv(4096)
    if not b:
        break
    buf += b
print(buf.decode().split("\n")[0] if buf.endswith(b"\n\n") else "closed")
