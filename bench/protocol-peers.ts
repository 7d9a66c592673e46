/**
 * Peers for the protocol benchmark: the obvious ways to put the same record on the wire.
 * They do the same work as ours (same fields, a batch of records per datagram) so the
 * ratios compare encodings, not amounts of work.
 */

export interface BenchRecord {
  sysId: string;
  msgType: string;
  fileName: string;
  level: number;
  timeUs?: number;
  headLen: number;
  msg: string;
}

const nowUs = () => Math.floor((performance.timeOrigin + performance.now()) * 1000);

/** Same v1 layout, written the straightforward way: a Buffer per record, `buf.write` per field, `Buffer.concat` per frame. */
export function naiveEncodeRecord(r: BenchRecord): Buffer {
  const sys = Buffer.byteLength(r.sysId, 'latin1');
  const type = Buffer.byteLength(r.msgType, 'latin1');
  const file = Buffer.byteLength(r.fileName, 'latin1');
  const msg = Buffer.byteLength(r.msg, 'utf8');
  const buf = Buffer.alloc(19 + sys + type + file + msg);
  let p = buf.writeUInt8(sys, 0);
  p += buf.write(r.sysId, p, 'latin1');
  p = buf.writeUInt8(type, p);
  p += buf.write(r.msgType, p, 'latin1');
  p = buf.writeUInt8(file, p);
  p += buf.write(r.fileName, p, 'latin1');
  p = buf.writeUInt8(r.level, p);
  p = buf.writeBigUInt64BE(BigInt(r.timeUs ?? nowUs()), p);
  p = buf.writeUInt16BE(r.headLen, p);
  p = buf.writeUInt8(0, p);
  p = buf.writeUInt32BE(msg, p);
  buf.write(r.msg, p, 'utf8');
  return buf;
}

export function naiveDecodeRecord(buf: Buffer, at: number): { record: BenchRecord; next: number } {
  let p = at;
  const str = () => {
    const n = buf.readUInt8(p);
    const s = buf.toString('latin1', p + 1, p + 1 + n);
    p += 1 + n;
    return s;
  };
  const sysId = str();
  const msgType = str();
  const fileName = str();
  const level = buf.readUInt8(p);
  const timeUs = Number(buf.readBigUInt64BE(p + 1));
  const headLen = buf.readUInt16BE(p + 9);
  p += 11;
  const reserved = buf.readUInt8(p);
  p += 1 + reserved;
  const msgLen = buf.readUInt32BE(p);
  p += 4;
  const msg = buf.toString('utf8', p, p + msgLen);
  return { record: { sysId, msgType, fileName, level, timeUs, headLen, msg }, next: p + msgLen };
}

/** NDJSON: one JSON object per line, what most Node log shippers send. */
export function jsonEncodeRecord(r: BenchRecord): Buffer {
  return Buffer.from(`${JSON.stringify({ ...r, timeUs: r.timeUs ?? nowUs() })}\n`);
}
