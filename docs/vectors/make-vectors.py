#!/usr/bin/env python3
"""Golden vectors for clogs wire format versions 1 and 2, written straight from docs/protocol.md.

Independent of @clogs/protocol: this script shares no code with the TypeScript encoder,
so the vectors check the encoder and the decoder against the spec, not against themselves.
Version 2's sealed frames are sealed with aead.py, a pure Python ChaCha20-Poly1305 and
HKDF checked against RFC 8439 and RFC 5869 before anything is written. It writes one
annotated .hex file per vector, vectors.json (what each must decode to or which error it
must give) and the two vectors sections of docs/protocol.md. Version 1 vectors are in
this file, version 2 ones in vectors_v2.py.

Run: python3 docs/vectors/make-vectors.py   (Python 3.8+, standard library only)
"""
import hashlib
import hmac
import json
import os
import re

import aead
import vectors_v2
from frames import ACK, ACK_WANTED, AUTH, LOG, PING, PONG, Frame, header, rec, record, records_json

HERE = os.path.dirname(os.path.abspath(__file__))
DOC = os.path.join(HERE, "..", "protocol.md")
KEY = b"clogs-golden-key"


def log_frame(records, sender, seq, flags=0, count=None, key=None):
    f = header(LOG, flags, len(records) if count is None else count, sender, seq)
    for i, rec in enumerate(records, 1):
        record(f, rec, i)
    if key is not None:
        f.add(hmac.new(key, f.raw(), hashlib.sha256).digest()[:16], "AUTH trailer: HMAC-SHA256(key, all before)[0..16)")
    return f


def control(kind, sender, seq, key=None):
    f = header(kind, AUTH if key else 0, 0, sender, seq)
    if key is not None:
        f.add(hmac.new(key, f.raw(), hashlib.sha256).digest()[:16], "AUTH trailer: HMAC-SHA256(key, all before)[0..16)")
    return f


def expect_json(kind, flags, sender, seq, records, authenticated=False):
    return {
        "kind": kind, "flags": flags, "count": len(records), "sender": sender, "seq": seq,
        "ackWanted": bool(flags & ACK_WANTED), "authenticated": authenticated,
        "records": records_json(records),
    }


S1 = 0x0A0B0C0D
one = [rec()]
multi = [
    rec(sys_id=b"ATM", msg_type=b"8583", file_name=b"trade.2026-11", level=5, time_us=1763856000000001,
        head_len=4, reserved=b"\x01\x02", msg=b"0200card=4111111111111111\nsecond line"),
    rec(sys_id=b"X", msg_type=b"XML", file_name=b"a_b-c.d", level=0, time_us=0, msg="<a>é ✓</a>".encode()),
    rec(sys_id=b"Z_9", msg_type=b"TLV", file_name=b"bin", level=6, time_us=2**53 - 1, head_len=3,
        reserved=b"\xff\x00\x7f", msg=b"\x00\xff\n\r\\"),
]
auth_one = [rec(sys_id=b"SEC", msg_type=b"TXT", file_name=b"audit", level=4, msg=b"signed record")]

valid = [
    ("log-one", "LOG, one record", log_frame(one, S1, 1), expect_json(LOG, 0, S1, 1, one), False),
    ("log-multi-ack", "LOG, three records, ACK_WANTED, seq 2^32-1",
     log_frame(multi, 0xDEADBEEF, 0xFFFFFFFF, flags=ACK_WANTED),
     expect_json(LOG, ACK_WANTED, 0xDEADBEEF, 0xFFFFFFFF, multi), False),
    ("ping", "PING, id 7", control(PING, S1, 7), expect_json(PING, 0, S1, 7, []), False),
    ("pong", "PONG answering ping 7 (seq 8)", control(PONG, S1, 8), expect_json(PONG, 0, S1, 8, []), False),
    ("ack", "ACK of LOG seq 42", control(ACK, S1, 42), expect_json(ACK, 0, S1, 42, []), False),
    ("log-auth", "LOG with AUTH and ACK_WANTED (key below)",
     log_frame(auth_one, 0x01020304, 100, flags=ACK_WANTED | AUTH, key=KEY),
     expect_json(LOG, ACK_WANTED | AUTH, 0x01020304, 100, auth_one, authenticated=True), True),
    ("ping-auth", "PING with AUTH (key below)", control(PING, S1, 9, key=KEY),
     expect_json(PING, AUTH, S1, 9, [], authenticated=True), True),
]

base = log_frame(one, S1, 1)
bad_auth = log_frame(auth_one, 0x01020304, 100, flags=ACK_WANTED | AUTH, key=KEY)
bad_auth.parts[-1] = (bytes([bad_auth.parts[-1][0][0] ^ 1]) + bad_auth.parts[-1][0][1:], "AUTH trailer, first byte flipped")
truncated = base.copy()
truncated.parts[-1] = (truncated.parts[-1][0][:-1], "[1] msg, last byte missing")
reserved_81 = rec(reserved=bytes(range(81)))

malformed = [
    ("bad-magic", "magic is \"CX\"", header(PING, 0, 0, S1, 7, magic=b"CX"), "ERR_PROTOCOL_BAD_MAGIC", False),
    ("bad-version", "version 3 (2 was unknown to version 1; it is now valid)", header(PING, 0, 0, S1, 7, version=3),
     "ERR_PROTOCOL_BAD_VERSION", False),
    ("bad-kind", "kind 5", header(5, 0, 0, S1, 7), "ERR_PROTOCOL_BAD_KIND", False),
    ("ping-ack-wanted", "ACK_WANTED on a PING", header(PING, ACK_WANTED, 0, S1, 7), "ERR_PROTOCOL_BAD_FLAGS", False),
    ("unknown-flag", "flag bit 2 set", header(PING, 4, 0, S1, 7), "ERR_PROTOCOL_BAD_FLAGS", False),
    ("bad-zero", "byte 5 is 1", header(PING, 0, 0, S1, 7, zero=1), "ERR_PROTOCOL_BAD_ZERO", False),
    ("log-count-zero", "LOG with count 0", header(LOG, 0, 0, S1, 1), "ERR_PROTOCOL_BAD_COUNT", False),
    ("ping-count", "PING with count 1", header(PING, 0, 1, S1, 7), "ERR_PROTOCOL_BAD_COUNT", False),
    ("short-header", "15 bytes", Frame().add(control(PING, S1, 7).raw()[:15], "a header missing its last byte"),
     "ERR_PROTOCOL_TRUNCATED", False),
    ("truncated-msg", "log-one without its last byte", truncated, "ERR_PROTOCOL_TRUNCATED", False),
    ("count-past-end", "count 2, one record", log_frame(one, S1, 1, count=2), "ERR_PROTOCOL_TRUNCATED", False),
    ("trailing-byte", "log-one plus one byte", base.copy().add([0], "extra byte"), "ERR_PROTOCOL_TRAILING_BYTES", False),
    ("ping-with-body", "PING plus one byte", control(PING, S1, 7).add([0], "extra byte"),
     "ERR_PROTOCOL_TRAILING_BYTES", False),
    ("sys-id-too-long", "sys_id \"PAYME\" (5 bytes)", log_frame([rec(sys_id=b"PAYME")], S1, 1),
     "ERR_PROTOCOL_FIELD_TOO_LONG", False),
    ("msg-type-empty", "msg_type of 0 bytes", log_frame([rec(msg_type=b"")], S1, 1), "ERR_PROTOCOL_FIELD_EMPTY", False),
    ("file-name-slash", "file_name \"a/b\"", log_frame([rec(file_name=b"a/b")], S1, 1), "ERR_PROTOCOL_BAD_CHARSET", False),
    ("file-name-dotdot", "file_name \"..\"", log_frame([rec(file_name=b"..")], S1, 1), "ERR_PROTOCOL_BAD_FILE_NAME", False),
    ("sys-id-space", "sys_id \"P Y\"", log_frame([rec(sys_id=b"P Y")], S1, 1), "ERR_PROTOCOL_BAD_CHARSET", False),
    ("bad-level", "level 7", log_frame([rec(level=7)], S1, 1), "ERR_PROTOCOL_BAD_LEVEL", False),
    ("head-len-over", "head_len 13 > msg_len 12", log_frame([rec(head_len=13)], S1, 1), "ERR_PROTOCOL_BAD_HEAD_LEN", False),
    ("reserved-too-long", "reserved of 81 bytes", log_frame([reserved_81], S1, 1), "ERR_PROTOCOL_FIELD_TOO_LONG", False),
    ("msg-len-past-end", "msg_len 13, 12 bytes follow", log_frame([rec(msg_len=13)], S1, 1), "ERR_PROTOCOL_TRUNCATED", False),
    ("bad-auth", "log-auth with its trailer's first byte flipped (checked with the key)", bad_auth,
     "ERR_PROTOCOL_BAD_AUTH", True),
    ("auth-required", "log-one, checked by a receiver that has the key", base.copy(), "ERR_PROTOCOL_AUTH_REQUIRED", True),
    ("auth-unexpected", "log-auth, checked by a receiver without a key",
     log_frame(auth_one, 0x01020304, 100, flags=ACK_WANTED | AUTH, key=KEY), "ERR_PROTOCOL_AUTH_UNEXPECTED", False),
]


def main():
    aead.self_check()
    cases = []
    doc = []
    for name, title, frame, expect, keyed in valid:
        write(name, frame)
        cases.append({"name": name, "title": title, "file": name + ".hex", "withKey": keyed,
                      "bytes": len(frame.raw()), "expect": expect})
        doc.append(section(name, title, frame, "decodes as described" + (" (with the key)" if keyed else "")))
    for name, title, frame, code, keyed in malformed:
        write(name, frame)
        cases.append({"name": name, "title": title, "file": name + ".hex", "withKey": keyed,
                      "bytes": len(frame.raw()), "error": code})
        doc.append(section(name, title, frame, "must be refused with `%s`%s" % (code, " (with the key)" if keyed else "")))
    doc2 = []
    for name, title, frame, expect, decode, seal in vectors_v2.valid:
        write(name, frame)
        case = {"name": name, "title": title, "file": name + ".hex", "version": 2, "bytes": len(frame.raw()),
                "decode": decode, "expect": expect}
        if seal is not None:
            case["seal"] = seal
        cases.append(case)
        doc2.append(section(name, title, frame, "decodes as described" + receiver(decode)))
    for name, title, frame, code, decode in vectors_v2.malformed:
        write(name, frame)
        cases.append({"name": name, "title": title, "file": name + ".hex", "version": 2, "bytes": len(frame.raw()),
                      "decode": decode, "error": code})
        doc2.append(section(name, title, frame, "must be refused with `%s`%s" % (code, receiver(decode))))
    manifest = json.dumps({"keyHex": KEY.hex(), "keyText": KEY.decode(), "v2KeyHex": vectors_v2.KEY.hex(),
                           "v2KeyId": vectors_v2.KEY_ID, "vectors": cases}, indent=2)
    # Arrays of numbers on one line, as the repository's formatter writes them.
    manifest = re.sub(r"\[\s*([0-9][0-9,\s]*?)\s*\]",
                      lambda found: "[%s]" % ", ".join(n.strip() for n in found.group(1).split(",")), manifest)
    with open(os.path.join(HERE, "vectors.json"), "w") as out:
        out.write(manifest + "\n")
    with open(DOC) as f:
        text = f.read()
    text = replace_block(text, "vectors", doc)
    text = replace_block(text, "vectors-v2", doc2)
    with open(DOC, "w") as f:
        f.write(text)


def receiver(decode):
    """How the receiver that checks a version 2 vector is set up, in words."""
    parts = []
    if decode["keys"]:
        parts.append("with the key")
    if decode["bootHex"]:
        parts.append("boot `%s`" % decode["bootHex"])
    if decode["allowAuthOnly"]:
        parts.append("suite 3 allowed")
    return " (%s)" % ", ".join(parts) if parts else " (no key)"


def replace_block(text, tag, sections):
    begin, end = "<!-- %s:begin -->" % tag, "<!-- %s:end -->" % tag
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    return head + begin + "\n" + "\n".join(sections) + end + tail


def write(name, frame):
    with open(os.path.join(HERE, name + ".hex"), "w") as out:
        out.write("# %s: %d bytes\n" % (name, len(frame.raw())))
        out.write(frame.annotated())


def section(name, title, frame, outcome):
    return "#### `%s`: %s\n\n%d bytes; %s. File: [`vectors/%s.hex`](vectors/%s.hex)\n\n```text\n%s```\n" % (
        name, title, len(frame.raw()), outcome, name, name, frame.annotated())


if __name__ == "__main__":
    main()
