"""Golden vectors for clogs wire format version 2, written from docs/protocol.md ("Version 2").

Sealed frames are sealed with aead.py (pure Python ChaCha20-Poly1305 and HKDF), never
with the TypeScript package. Suite 2 (AES-256-GCM) has no vector here: the package's
tests check its frames with an independent reader built on node:crypto instead.
"""
import hashlib
import hmac
import struct

import aead
from frames import ACK, ACK_WANTED, KIND_NAMES, LOG, PING, PONG, Frame, rec, record, records_json

KEY = bytes(range(32))
OTHER_KEY = bytes(range(0x40, 0x60))
CLIENT_SALT = bytes(range(0xA0, 0xB0))
SERVER_SALT = bytes(range(0xC0, 0xD0))
CLIENT_BOOT = CLIENT_SALT[:8]
SERVER_BOOT = SERVER_SALT[:8]
OTHER_BOOT = bytes(range(0xE0, 0xE8))
NO_PEER = bytes(8)
S1 = 0x0A0B0C0D
S2 = 0x01020304
SUITE_NAMES = {0: "PLAIN", 1: "CHACHA20_POLY1305", 2: "AES_256_GCM", 3: "CHACHA20_POLY1305_AUTH_ONLY"}


def key_id(key):
    return int.from_bytes(hmac.new(key, b"clogs key id", hashlib.sha256).digest()[:4], "big")


KEY_ID = key_id(KEY)


def header2(kind, flags, suite, count, sender, seq, version=2):
    f = Frame()
    f.add(b"CL", "magic 'CL'")
    f.add([version], "version %d" % version)
    f.add([kind], "kind %d (%s)" % (kind, KIND_NAMES.get(kind, "unknown")))
    f.add([flags], "flags 0x%02x" % flags)
    f.add([suite], "suite %d (%s)" % (suite, SUITE_NAMES.get(suite, "unknown")))
    f.add(struct.pack(">H", count), "count %d" % count)
    f.add(struct.pack(">I", sender), "sender 0x%08x" % sender)
    f.add(struct.pack(">I", seq), "seq %d" % seq)
    return f


def log_body(records):
    f = Frame()
    for i, r in enumerate(records, 1):
        record(f, r, i)
    return f


def pong_body(status, window, caps=0, zero=0):
    return (Frame().add([status], "status %d" % status).add([caps], "caps 0x%02x" % caps)
            .add(struct.pack(">H", zero), "zero").add(struct.pack(">I", window), "window %d" % window))


def ack_body(ranges):
    f = Frame()
    for i, (first, last) in enumerate(ranges, 1):
        f.add(struct.pack(">II", first, last), "range %d: first %d, last %d" % (i, first, last))
    return f


def plain(kind, flags, count, sender, seq, body, version=2, suite=0):
    f = header2(kind, flags, suite, count, sender, seq, version)
    f.parts += body.parts
    return f


def sealed(kind, flags, suite, count, sender, seq, body, salt, pn, peer, key=KEY, peer_note=""):
    direction = 1 if kind in (LOG, PING) else 2
    f = header2(kind, flags, suite, count, sender, seq)
    f.add(struct.pack(">I", key_id(key)), "key_id 0x%08x" % key_id(key))
    f.add(salt, "salt")
    f.add(struct.pack(">Q", pn), "pn %d" % pn)
    f.add(peer, "peer" + peer_note)
    info = b"clogs v2 frame key" + bytes([suite])
    session_key = aead.hkdf_sha256(key, salt, info)
    nonce = bytes([direction, 0, 0, 0]) + struct.pack(">Q", pn)
    f.note("session key = HKDF-SHA256(key, salt, \"clogs v2 frame key\" || %02x) = %s" % (suite, session_key.hex()))
    f.note("nonce = %s" % nonce.hex())
    if suite == 3:
        f.parts += body.parts
        _, tag = aead.seal(session_key, nonce, b"", f.raw())
        f.add(tag, "tag: ChaCha20-Poly1305, associated data = every byte above, empty plaintext")
        return f
    plaintext = body.raw()
    ciphertext, tag = aead.seal(session_key, nonce, plaintext, f.raw())
    for line in body.annotated().splitlines():
        f.note("plaintext | " + line)
    f.add(ciphertext, "body: the %d bytes of plaintext above, encrypted" % len(plaintext))
    f.add(tag, "tag: ChaCha20-Poly1305, associated data = bytes [0, 52)")
    return f


def expect(kind, flags, count, sender, seq, records=(), suite=0, salt=None, pn=None, peer=None, pong=None,
           ranges=()):
    is_sealed = suite != 0
    return {
        "version": 2, "kind": kind, "flags": flags, "count": count, "sender": sender, "seq": seq,
        "ackWanted": bool(flags & ACK_WANTED), "authenticated": is_sealed, "suite": suite,
        "keyId": KEY_ID if is_sealed else None, "saltHex": salt.hex() if is_sealed else None,
        "pn": pn, "peerHex": peer.hex() if is_sealed else None,
        "records": records_json(records), "pong": pong, "ranges": [n for r in ranges for n in r],
    }


def seal_json(suite, salt, pn, peer, direction):
    return {"suite": suite, "saltHex": salt.hex(), "pn": pn, "peerHex": peer.hex(), "direction": direction}


def decode_json(keys=False, boot=None, allow_auth_only=False):
    return {"keys": keys, "bootHex": boot.hex() if boot else None, "allowAuthOnly": allow_auth_only}


one = [rec()]
secret = [rec(sys_id=b"SEC", msg_type=b"8583", file_name=b"audit", level=4, msg=b"card 4111111111111111")]
PONG_READY = {"status": 0, "caps": 0, "window": 16384}
ACK_RANGES = [(40, 42), (0xFFFFFFFE, 1)]
SEALED_RANGES = [(100, 100), (90, 95)]
TO_SERVER = " = the server's boot (first 8 bytes of its salt)"
TO_CLIENT = " = the client's boot (first 8 bytes of its salt)"

# (name, title, frame, expect, decode options, seal options for our encoder or None)
valid = [
    ("v2-log", "plain LOG, one record", plain(LOG, 0, 1, S1, 1, log_body(one)),
     expect(LOG, 0, 1, S1, 1, one), decode_json(), None),
    ("v2-ping", "plain PING, id 7", plain(PING, 0, 0, S1, 7, Frame()), expect(PING, 0, 0, S1, 7), decode_json(), None),
    ("v2-pong", "plain PONG answering ping 7: READY, window 16384",
     plain(PONG, 0, 0, S1, 8, pong_body(0, 16384)), expect(PONG, 0, 0, S1, 8, pong=PONG_READY), decode_json(), None),
    ("v2-ack", "plain ACK of two ranges, one wrapping past 2^32-1", plain(ACK, 0, 2, S1, 0, ack_body(ACK_RANGES)),
     expect(ACK, 0, 2, S1, 0, ranges=ACK_RANGES), decode_json(), None),
    ("v2-log-sealed", "LOG sealed with suite 1 (ChaCha20-Poly1305), ACK_WANTED, for the server's boot",
     sealed(LOG, ACK_WANTED, 1, 1, S2, 100, log_body(secret), CLIENT_SALT, 5, SERVER_BOOT, peer_note=TO_SERVER),
     expect(LOG, ACK_WANTED, 1, S2, 100, secret, 1, CLIENT_SALT, 5, SERVER_BOOT),
     decode_json(True, SERVER_BOOT), seal_json(1, CLIENT_SALT, 5, SERVER_BOOT, "client")),
    ("v2-ping-sealed", "PING sealed with suite 1",
     sealed(PING, 0, 1, 0, S2, 9, Frame(), CLIENT_SALT, 6, NO_PEER, peer_note=": none for a PING"),
     expect(PING, 0, 0, S2, 9, suite=1, salt=CLIENT_SALT, pn=6, peer=NO_PEER),
     decode_json(True), seal_json(1, CLIENT_SALT, 6, NO_PEER, "client")),
    ("v2-pong-sealed", "PONG sealed with suite 1, answering that PING, for the client's boot",
     sealed(PONG, 0, 1, 0, S2, 10, pong_body(0, 16384), SERVER_SALT, 0, CLIENT_BOOT, peer_note=TO_CLIENT),
     expect(PONG, 0, 0, S2, 10, suite=1, salt=SERVER_SALT, pn=0, peer=CLIENT_BOOT, pong=PONG_READY),
     decode_json(True, CLIENT_BOOT), seal_json(1, SERVER_SALT, 0, CLIENT_BOOT, "server")),
    ("v2-ack-sealed", "ACK sealed with suite 1, two ranges, for the client's boot",
     sealed(ACK, 0, 1, 2, S2, 0, ack_body(SEALED_RANGES), SERVER_SALT, 1, CLIENT_BOOT, peer_note=TO_CLIENT),
     expect(ACK, 0, 2, S2, 0, suite=1, salt=SERVER_SALT, pn=1, peer=CLIENT_BOOT, ranges=SEALED_RANGES),
     decode_json(True, CLIENT_BOOT), seal_json(1, SERVER_SALT, 1, CLIENT_BOOT, "server")),
    ("v2-log-integrity", "LOG with suite 3 (integrity only: body in clear), ACK_WANTED",
     sealed(LOG, ACK_WANTED, 3, 1, S2, 101, log_body(secret), CLIENT_SALT, 7, SERVER_BOOT, peer_note=TO_SERVER),
     expect(LOG, ACK_WANTED, 1, S2, 101, secret, 3, CLIENT_SALT, 7, SERVER_BOOT),
     decode_json(True, SERVER_BOOT, True), seal_json(3, CLIENT_SALT, 7, SERVER_BOOT, "client")),
]

flipped = valid[4][2].copy()
flipped.parts[-1] = (bytes([flipped.parts[-1][0][0] ^ 1]) + flipped.parts[-1][0][1:], "tag, first byte flipped")

# (name, title, frame, error, decode options)
malformed = [
    ("v2-tag-flipped", "v2-log-sealed with its tag's first byte flipped", flipped, "ERR_PROTOCOL_BAD_AUTH",
     decode_json(True, SERVER_BOOT)),
    ("v2-unknown-key", "LOG sealed with a key the receiver does not hold (00 40 .. 5f)",
     sealed(LOG, 0, 1, 1, S2, 102, log_body(one), CLIENT_SALT, 8, SERVER_BOOT, key=OTHER_KEY, peer_note=TO_SERVER),
     "ERR_PROTOCOL_UNKNOWN_KEY", decode_json(True, SERVER_BOOT)),
    ("v2-bad-suite", "PING with suite 4", plain(PING, 0, 0, S1, 7, Frame(), suite=4), "ERR_PROTOCOL_BAD_SUITE",
     decode_json()),
    ("v2-integrity-not-allowed", "v2-log-integrity at a receiver that does not allow suite 3", valid[8][2].copy(),
     "ERR_PROTOCOL_BAD_SUITE", decode_json(True, SERVER_BOOT)),
    ("v2-wrong-peer", "LOG sealed for another server's boot (e0 .. e7), checked by this server",
     sealed(LOG, 0, 1, 1, S2, 103, log_body(one), CLIENT_SALT, 9, OTHER_BOOT, peer_note=": another server's boot"),
     "ERR_PROTOCOL_BAD_PEER", decode_json(True, SERVER_BOOT)),
    ("v2-plain-with-key", "v2-log at a receiver that has a key", valid[0][2].copy(), "ERR_PROTOCOL_AUTH_REQUIRED",
     decode_json(True)),
    ("v2-ack-seq", "ACK with seq 1", plain(ACK, 0, 1, S1, 1, ack_body([(40, 42)])), "ERR_PROTOCOL_BAD_SEQ",
     decode_json()),
    ("v2-pong-short", "PONG with a body of 7 bytes",
     plain(PONG, 0, 0, S1, 8, Frame().add([0, 0, 0, 0, 0, 0x40, 0], "7 bytes of body")), "ERR_PROTOCOL_TRUNCATED",
     decode_json()),
    ("v2-version-3", "v2-log with version 3", plain(LOG, 0, 1, S1, 1, log_body(one), version=3),
     "ERR_PROTOCOL_BAD_VERSION", decode_json()),
]
