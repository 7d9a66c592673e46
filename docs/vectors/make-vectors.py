#!/usr/bin/env python3
"""Golden vectors for clogs wire format v1, written straight from ../shared/protocol-v1.md.

Independent of @clogs/protocol: this script shares no code with the TypeScript encoder,
so the vectors check the encoder and the decoder against the spec, not against themselves.
It writes one annotated .hex file per vector, vectors.json (what each must decode to or
which error it must give) and the vectors section of docs/protocol.md.

Run: python3 docs/vectors/make-vectors.py   (Python 3.8+, standard library only)
"""
import hashlib
import hmac
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DOC = os.path.join(HERE, "..", "protocol.md")
KEY = b"clogs-golden-key"
LOG, PING, PONG, ACK = 1, 2, 3, 4
ACK_WANTED, AUTH = 1, 2


class Frame:
    """A datagram as a list of (bytes, comment) parts, so the .hex file explains itself."""

    def __init__(self):
        self.parts = []

    def add(self, data, comment):
        self.parts.append((bytes(data), comment))
        return self

    def raw(self):
        return b"".join(p for p, _ in self.parts)

    def copy(self):
        f = Frame()
        f.parts = list(self.parts)
        return f

    def annotated(self):
        lines = []
        for data, comment in self.parts:
            chunks = [data[i:i + 16] for i in range(0, len(data), 16)] or [b""]
            for i, chunk in enumerate(chunks):
                hexs = " ".join("%02x" % b for b in chunk)
                note = comment if i == 0 else comment + " (cont.)"
                lines.append(("%-47s # %s" % (hexs, note)).rstrip() if hexs else "# %s (0 bytes)" % note)
        return "\n".join(lines) + "\n"


def header(kind, flags, count, sender, seq, magic=b"CL", version=1, zero=0):
    f = Frame()
    f.add(magic, "magic %r" % magic.decode("latin1"))
    f.add([version], "version %d" % version)
    f.add([kind], "kind %d (%s)" % (kind, {1: "LOG", 2: "PING", 3: "PONG", 4: "ACK"}.get(kind, "unknown")))
    f.add([flags], "flags 0x%02x" % flags)
    f.add([zero], "zero")
    f.add(struct.pack(">H", count), "count %d" % count)
    f.add(struct.pack(">I", sender), "sender 0x%08x" % sender)
    f.add(struct.pack(">I", seq), "seq %d" % seq)
    return f


def str8(f, name, value):
    f.add([len(value)], "%s length %d" % (name, len(value)))
    if value:
        f.add(value, "%s %r" % (name, value.decode("latin1")) if name != "reserved" else "reserved bytes")


def record(f, rec, n):
    str8(f, "[%d] sys_id" % n, rec["sys_id"])
    str8(f, "[%d] msg_type" % n, rec["msg_type"])
    str8(f, "[%d] file_name" % n, rec["file_name"])
    f.add([rec["level"]], "[%d] level %d" % (n, rec["level"]))
    t = rec["time_us"]
    f.add(struct.pack(">II", t >> 32, t & 0xFFFFFFFF), "[%d] time_us %d (high u32, low u32)" % (n, t))
    f.add(struct.pack(">H", rec["head_len"]), "[%d] head_len %d" % (n, rec["head_len"]))
    f.add([len(rec["reserved"])], "[%d] reserved length %d" % (n, len(rec["reserved"])))
    if rec["reserved"]:
        f.add(rec["reserved"], "[%d] reserved bytes" % n)
    msg_len = rec.get("msg_len", len(rec["msg"]))
    f.add(struct.pack(">I", msg_len), "[%d] msg_len %d" % (n, msg_len))
    if rec["msg"]:
        f.add(rec["msg"], "[%d] msg" % n)


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


def rec(sys_id=b"PAY1", msg_type=b"TXT", file_name=b"app", level=3, time_us=1700000000123456,
        head_len=0, reserved=b"", msg=b"hello, clogs", **extra):
    r = dict(sys_id=sys_id, msg_type=msg_type, file_name=file_name, level=level, time_us=time_us,
             head_len=head_len, reserved=reserved, msg=msg)
    r.update(extra)
    return r


def expect_json(kind, flags, sender, seq, records, authenticated=False):
    return {
        "kind": kind, "flags": flags, "count": len(records), "sender": sender, "seq": seq,
        "ackWanted": bool(flags & ACK_WANTED), "authenticated": authenticated,
        "records": [{
            "sysId": r["sys_id"].decode(), "msgType": r["msg_type"].decode(), "fileName": r["file_name"].decode(),
            "level": r["level"], "timeUs": r["time_us"], "headLen": r["head_len"],
            "reservedHex": r["reserved"].hex(), "msgHex": r["msg"].hex(),
        } for r in records],
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
    with open(os.path.join(HERE, "vectors.json"), "w") as out:
        json.dump({"keyHex": KEY.hex(), "keyText": KEY.decode(), "vectors": cases}, out, indent=2)
        out.write("\n")
    with open(DOC) as f:
        text = f.read()
    begin, end = "<!-- vectors:begin -->", "<!-- vectors:end -->"
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    with open(DOC, "w") as f:
        f.write(head + begin + "\n" + "\n".join(doc) + end + tail)


def write(name, frame):
    with open(os.path.join(HERE, name + ".hex"), "w") as out:
        out.write("# %s: %d bytes\n" % (name, len(frame.raw())))
        out.write(frame.annotated())


def section(name, title, frame, outcome):
    return "#### `%s`: %s\n\n%d bytes; %s. File: [`vectors/%s.hex`](vectors/%s.hex)\n\n```text\n%s```\n" % (
        name, title, len(frame.raw()), outcome, name, name, frame.annotated())


if __name__ == "__main__":
    main()
