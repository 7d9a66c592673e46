"""The pieces every clogs frame is built from, as annotated parts: shared by the vector scripts."""
import struct

LOG, PING, PONG, ACK = 1, 2, 3, 4
KIND_NAMES = {1: "LOG", 2: "PING", 3: "PONG", 4: "ACK"}
ACK_WANTED, AUTH = 1, 2


class Frame:
    """A datagram as a list of (bytes, comment) parts, so the .hex file explains itself."""

    def __init__(self):
        self.parts = []

    def add(self, data, comment):
        self.parts.append((bytes(data), comment))
        return self

    def note(self, comment):
        """A line that is only a comment: it holds no bytes."""
        self.parts.append((None, comment))
        return self

    def raw(self):
        return b"".join(p for p, _ in self.parts if p is not None)

    def copy(self):
        f = Frame()
        f.parts = list(self.parts)
        return f

    def annotated(self):
        lines = []
        for data, comment in self.parts:
            if data is None:
                lines.append("# %s" % comment)
                continue
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
    f.add([kind], "kind %d (%s)" % (kind, KIND_NAMES.get(kind, "unknown")))
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


def rec(sys_id=b"PAY1", msg_type=b"TXT", file_name=b"app", level=3, time_us=1700000000123456,
        head_len=0, reserved=b"", msg=b"hello, clogs", **extra):
    r = dict(sys_id=sys_id, msg_type=msg_type, file_name=file_name, level=level, time_us=time_us,
             head_len=head_len, reserved=reserved, msg=msg)
    r.update(extra)
    return r


def records_json(records):
    return [{
        "sysId": r["sys_id"].decode(), "msgType": r["msg_type"].decode(), "fileName": r["file_name"].decode(),
        "level": r["level"], "timeUs": r["time_us"], "headLen": r["head_len"],
        "reservedHex": r["reserved"].hex(), "msgHex": r["msg"].hex(),
    } for r in records]
