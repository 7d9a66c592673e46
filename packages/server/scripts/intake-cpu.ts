/**
 * The receive path's CPU per LOG frame, in one process: an in-process server (early
 * ACKs) is handed 20,000 frames of 10 records (1.3 KB, ACK_WANTED) at a time, 500 per
 * event-loop turn, as its socket would hand them; process CPU (user + system) per
 * frame, for 6 rounds of which the first 2 warm up. No kernel, no other process: the
 * figure is the decode, the replay window, the line formatting and the replies.
 *
 *   node --import tsx --conditions=source packages/server/scripts/intake-cpu.ts v1|v2|sealed|aes
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFrameKey, encodeLogFrame, Flag, SealSession } from '@clogs/protocol';
import { createServer } from '../src/index.js';

const mode = process.argv[2] ?? 'v1';
const version = mode === 'v1' ? 1 : 2;
const key = createFrameKey(
  Buffer.from('00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex'),
);
const sealed = mode === 'sealed' || mode === 'aes';
const server = await createServer({
  port: 0,
  dataDir: mkdtempSync(join(tmpdir(), 'ib-')),
  ackAfterWrite: false,
  flushMs: 50,
  ...(sealed ? { keys: [key] } : {}),
});
const session = sealed
  ? new SealSession({ key, suite: mode === 'aes' ? 2 : 1, direction: 'client' })
  : undefined;
const peer = sealed ? Buffer.from((server as unknown as { boot: string }).boot, 'hex') : undefined;
const s = server as unknown as {
  onDatagram?: (m: Buffer, r: unknown) => void;
  intake?: { onDatagram(m: Buffer, r: unknown): void };
};
const deliver = s.intake ? s.intake.onDatagram.bind(s.intake) : s.onDatagram!.bind(server);
const from = { address: '127.0.0.1', family: 'IPv4', port: 9, size: 0 };
const recs = Array.from({ length: 10 }, () => ({
  sysId: 'BNCH',
  msgType: 'TXT',
  fileName: 'bench',
  level: 3,
  timeUs: 1,
  msg: 'x'.repeat(100),
}));
const N = 20000;
const results: number[] = [];
for (let round = 0; round < 6; round++) {
  const frames = Array.from({ length: N }, (_, i) =>
    encodeLogFrame(recs, {
      sender: 1,
      seq: round * N + i,
      flags: Flag.ACK_WANTED,
      ...(version === 1 ? { version: 1 } : {}),
      session,
      peer,
    } as never),
  );
  await server.flush();
  const t = process.cpuUsage();
  for (let i = 0; i < N; i += 500) {
    for (let j = i; j < i + 500; j++) deliver(frames[j]!, from);
    await new Promise((r) => setImmediate(r));
  }
  const d = process.cpuUsage(t);
  results.push((d.user + d.system) / N);
}
console.log(
  mode,
  results
    .slice(2)
    .map((x) => x.toFixed(1))
    .join(' '),
);
await server.close();
