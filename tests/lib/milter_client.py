# milter_client.py: the MTA side of the milter protocol (version 6), for
# the integration tests: option negotiation, the commands of an SMTP
# session, and the filter's replies read back. No libmilter: every byte
# is written here, so the tests can also send what no MTA would.
import socket
import struct

SMFIF_ALL = 0x1ff
SMFIP_ALL = 0x1fffff
MDS_256K = 0x10000000
MDS_1M = 0x20000000
# SMFIP_NR_*: the filter gives no reply to the command (mfdef.h).
NR = {b'C': 0x1000, b'H': 0x2000, b'M': 0x4000, b'R': 0x8000,
      b'T': 0x10000, b'U': 0x20000, b'N': 0x40000, b'B': 0x80000,
      b'L': 0x80}
NR_ALL = sum(NR.values())


class Milter:
    def __init__(self, host, port, timeout=20):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.leadspc = False
        self.proto = 0

    def close(self):
        self.s.close()

    def raw(self, data, chunk=None):
        """Write bytes as they are, in pieces of chunk bytes if given."""
        if chunk is None:
            self.s.sendall(data)
            return
        for i in range(0, len(data), chunk):
            self.s.sendall(data[i:i + chunk])

    def send(self, cmd, data=b'', chunk=None):
        self.raw(struct.pack('>I', len(data) + 1) + cmd + data, chunk)

    def _read(self, n):
        b = b''
        while len(b) < n:
            got = self.s.recv(n - len(b))
            if not got:
                raise EOFError('connection closed by the filter')
            b += got
        return b

    def reply(self):
        """One reply: (command byte, data)."""
        n = struct.unpack('>I', self._read(4))[0]
        body = self._read(n)
        return body[:1], body[1:]

    def closed(self):
        """True if the filter closes the connection (EOF or reset)."""
        self.s.settimeout(10)
        try:
            return self.s.recv(1) == b''
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def negotiate(self, proto=SMFIP_ALL):
        self.send(b'O', struct.pack('>III', 6, SMFIF_ALL, proto))
        cmd, data = self.reply()
        assert cmd == b'O', cmd
        ver, act, pro = struct.unpack('>III', data[:12])
        self.leadspc = bool(pro & 0x100000)
        self.proto = pro
        return ver, act, pro

    def answer(self, cmd):
        """The reply to cmd, or (b'c', None) when the filter agreed to
        give none (SMFIP_NR_*): the MTA goes on as if it continued."""
        if self.proto & NR.get(cmd, 0):
            return b'c', None
        return self.reply()

    def connect(self, addr, host='client.test', family=b'4', port=4567):
        self.send(b'C', host.encode() + b'\0' + family +
                  struct.pack('>H', port) + addr.encode() + b'\0')
        return self.answer(b'C')

    def macro(self, cmd, pairs):
        data = cmd
        for k, v in pairs:
            data += k.encode() + b'\0' + v.encode() + b'\0'
        self.send(b'D', data)

    def step(self, cmd, data=b''):
        self.send(cmd, data)
        return self.answer(cmd)

    def header(self, name, value, chunk=None):
        """value as bytes, without the space after the colon."""
        v = (b' ' + value) if self.leadspc else value
        self.send(b'L', name.encode() + b'\0' + v + b'\0', chunk)
        return self.answer(b'L')

    def eom(self):
        """End of message: every modification, then the final reply."""
        self.send(b'E')
        mods = []
        while True:
            cmd, data = self.reply()
            if cmd in (b'h', b'i', b'm'):
                if cmd != b'h':
                    idx = struct.unpack('>I', data[:4])[0]
                    data = data[4:]
                else:
                    idx = 0
                name, value = data.split(b'\0')[:2]
                mods.append((cmd, idx, name.decode(), value))
                continue
            return cmd, data, mods


def signed_message(mods, headers, body):
    """The message as the MTA would deliver it: inserted fields on top."""
    out = b''
    for cmd, idx, name, value in mods:
        if cmd == b'i' and name == 'DKIM-Signature':
            v = value.replace(b'\n', b'\r\n')
            if not v.startswith(b' '):
                v = b' ' + v
            out = name.encode() + b':' + v + b'\r\n' + out
    for n, v in headers:
        out += n.encode() + b': ' + v + b'\r\n'
    return out + b'\r\n' + body
