import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/** What one direction of the link does to each datagram. */
export interface LinkShape {
  /** One-way delay, ms. */
  delayMs: number;
  /** Added to the delay: uniform in [0, jitterMs). Jitter alone reorders datagrams closer than it. */
  jitterMs: number;
  /** Probability a datagram is lost. */
  loss: number;
  /** Probability a datagram is held back one more `delayMs` (at least 1 ms): it arrives after later ones. */
  reorder: number;
  /** Probability a datagram arrives twice. */
  duplicate: number;
}

export const NO_SHAPE: LinkShape = { delayMs: 0, jitterMs: 0, loss: 0, reorder: 0, duplicate: 0 };

/** `up`: client → server; `down`: server → client. */
export type Direction = 'up' | 'down';

/**
 * What an attacker on the path does to a datagram as it passes, before shaping: `undefined`
 * passes it as it is, `null` drops it, a Buffer passes in its place.
 */
export type Tamper = (msg: Buffer, dir: Direction) => Buffer | null | undefined;

/** Bit flips armed by {@link LossyLink.flipBits}. */
interface Flips {
  dir: Direction;
  /** The byte to flip in; negative counts from the end (-1: the last byte). */
  byte: number;
  bit: number;
  left: number;
  match: (msg: Buffer) => boolean;
}

export interface LinkStats {
  /** Datagrams in from each side, and what was done to them. */
  up: DirectionStats;
  down: DirectionStats;
}

/** Every datagram that came into the link, copied, each direction apart (with `record: true`). */
export interface Recording {
  up: Buffer[];
  down: Buffer[];
}

interface DirectionStats {
  in: number;
  /** Dropped or replaced by {@link LossyLink.tamper}, or a bit flipped. */
  tampered: number;
  /** Sent by the test: {@link LossyLink.inject} (replays by {@link LossyLink.replay} are not counted here). */
  injected: number;
  lost: number;
  duplicated: number;
  reordered: number;
  out: number;
}

interface Due {
  at: number;
  msg: Buffer;
  send: (msg: Buffer) => void;
}

/** A seeded PRNG (mulberry32): a run can be replayed with the same losses. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Datagrams waiting for their time, earliest first (a binary heap): one timer for all of them. */
class DueQueue {
  private readonly heap: Due[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  add(d: Due): void {
    const h = this.heap;
    h.push(d);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
    this.arm();
  }

  close(): void {
    clearTimeout(this.timer);
    this.heap.length = 0;
  }

  private arm(): void {
    const first = this.heap[0];
    if (first === undefined || first.at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = first.at;
    this.timer = setTimeout(() => this.run(), Math.max(0, first.at - performance.now()));
  }

  private run(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const h = this.heap;
    while (h.length > 0 && h[0]!.at <= now) {
      const d = h[0]!;
      const last = h.pop()!;
      if (h.length > 0) {
        h[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && h[l]!.at < h[m]!.at) m = l;
          if (r < h.length && h[r]!.at < h[m]!.at) m = r;
          if (m === i) break;
          [h[m], h[i]] = [h[i]!, h[m]!];
          i = m;
        }
      }
      d.send(d.msg);
    }
    this.arm();
  }
}

/**
 * A userspace stand-in for netem: a UDP relay between clients and one server that delays,
 * jitters, loses, reorders and duplicates datagrams, each direction shaped on its own
 * (`up`: client → server, `down`: server → client). Each client address gets its own
 * upstream socket, so the server sees one sender per client, as on a real network.
 *
 * It is also the attacker on the path: it records ({@link recorded}), replays
 * ({@link replay}), forges ({@link inject}), drops or rewrites ({@link tamper}) and flips
 * bits ({@link flipBits}).
 */
export class LossyLink {
  readonly stats: LinkStats = {
    up: { in: 0, tampered: 0, injected: 0, lost: 0, duplicated: 0, reordered: 0, out: 0 },
    down: { in: 0, tampered: 0, injected: 0, lost: 0, duplicated: 0, reordered: 0, out: 0 },
  };
  /** Set by a test to drop or rewrite passing datagrams (see {@link Tamper}); flips apply after it. */
  tamper: Tamper | undefined;
  private readonly flips: Flips[] = [];
  private readonly clients: { address: string; port: number }[] = [];
  private readonly spare: Socket[] = [];
  private readonly front: Socket;
  private readonly upstreams = new Map<string, Socket>();
  private readonly queue = new DueQueue();
  private readonly rand: () => number;
  /** What came in, before any shaping (with `record: true`): what an eavesdropper on the path sees. */
  readonly recorded: Recording | undefined;

  private constructor(
    front: Socket,
    private readonly target: { host: string; port: number },
    private readonly up: LinkShape,
    private readonly down: LinkShape,
    seed: number,
    record: boolean,
  ) {
    this.front = front;
    this.rand = random(seed);
    this.recorded = record ? { up: [], down: [] } : undefined;
    front.on('message', (msg, from) => this.fromClient(msg, from));
  }

  /** Listens on 127.0.0.1 (port 0: any) and relays to `target`. */
  static async start(o: {
    target: { host: string; port: number };
    up?: Partial<LinkShape>;
    down?: Partial<LinkShape>;
    port?: number;
    seed?: number;
    /** Keep a copy of every datagram in {@link recorded}. */
    record?: boolean;
  }): Promise<LossyLink> {
    const front = createSocket({ type: 'udp4', recvBufferSize: 16 * 2 ** 20, sendBufferSize: 16 * 2 ** 20 });
    await new Promise<void>((resolve) => front.bind(o.port ?? 0, '127.0.0.1', resolve));
    const up = { ...NO_SHAPE, ...o.up };
    return new LossyLink(front, o.target, up, { ...NO_SHAPE, ...o.down }, o.seed ?? 1, o.record === true);
  }

  get port(): number {
    return this.front.address().port;
  }

  close(): void {
    this.queue.close();
    this.front.close();
    for (const s of this.upstreams.values()) s.close();
    for (const s of this.spare) s.close();
  }

  /**
   * Flips bit `bit` (0: the lowest) of byte `byte` (negative: from the end) in the next
   * `count` datagrams going `dir` that `match` takes (all by default); datagrams too short
   * for the byte pass as they are; {@link flipsLeft} says how many are still to flip.
   */
  flipBits(o: {
    dir: Direction;
    byte: number;
    bit: number;
    count: number;
    match?: (msg: Buffer) => boolean;
  }): void {
    this.flips.push({ dir: o.dir, byte: o.byte, bit: o.bit, left: o.count, match: o.match ?? (() => true) });
  }

  /** Flips still armed (datagrams left to flip), all directions. */
  get flipsLeft(): number {
    return this.flips.reduce((n, f) => n + f.left, 0);
  }

  /**
   * Sends datagrams built by the test as if they were on the path: `up` to the server from
   * the upstream socket of the newest client (the server sees them come from that client;
   * its replies go back to that client), `down` to every client the link has seen, from
   * the address the clients send to.
   */
  inject(dir: Direction, msgs: Buffer[]): void {
    const st = this.stats[dir];
    if (dir === 'down') {
      for (const m of msgs) {
        for (const c of this.clients) {
          st.injected++;
          this.front.send(m, c.port, c.address);
        }
      }
      return;
    }
    const client = this.clients.at(-1);
    if (client === undefined) throw new Error('inject up: no client has sent through the link yet');
    const socket = this.upstreams.get(`${client.address}:${client.port}`)!;
    for (const m of msgs) {
      st.injected++;
      socket.send(m);
    }
  }

  /**
   * Sends `msgs` (a recording, say) again from a new socket of its own to `target` (the
   * link's server by default): what an attacker who recorded the path can do, to the same
   * server or another. Replies are kept in the returned array.
   */
  async replay(msgs: Buffer[], target: { host: string; port: number } = this.target): Promise<Buffer[]> {
    const s = createSocket('udp4');
    this.spare.push(s);
    const replies: Buffer[] = [];
    s.on('message', (m) => replies.push(m));
    s.on('error', () => {});
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    for (const m of msgs) {
      await new Promise<void>((resolve, reject) =>
        s.send(m, target.port, target.host, (err) => (err ? reject(err) : resolve())),
      );
    }
    return replies;
  }

  /** Runs the test's tamper and armed flips on a passing datagram: what goes on, or null. */
  private attack(msg: Buffer, dir: Direction): Buffer | null {
    let out: Buffer | null = msg;
    const st = this.stats[dir];
    if (this.tamper !== undefined) {
      const t = this.tamper(msg, dir);
      if (t !== undefined) {
        st.tampered++;
        out = t;
      }
    }
    if (out === null) return null;
    for (const f of this.flips) {
      if (f.left === 0 || f.dir !== dir || !f.match(out)) continue;
      const at = f.byte < 0 ? out.length + f.byte : f.byte;
      if (at < 0 || at >= out.length) continue;
      f.left--;
      st.tampered++;
      out = Buffer.from(out);
      out[at]! ^= 1 << f.bit;
      break;
    }
    return out;
  }

  private fromClient(msg: Buffer, from: RemoteInfo): void {
    const key = `${from.address}:${from.port}`;
    let upstream = this.upstreams.get(key);
    if (upstream === undefined) {
      const s = createSocket({ type: 'udp4', recvBufferSize: 16 * 2 ** 20, sendBufferSize: 16 * 2 ** 20 });
      s.on('message', (reply) => {
        this.recorded?.down.push(Buffer.from(reply));
        this.stats.down.in++;
        const m = this.attack(reply, 'down');
        if (m !== null)
          this.pass(m, this.down, this.stats.down, (b) => this.front.send(b, from.port, from.address));
      });
      s.on('error', () => {}); // ICMP unreachable from a dead server: that is what the link shows
      s.connect(this.target.port, this.target.host);
      this.upstreams.set(key, s);
      this.clients.push({ address: from.address, port: from.port });
      upstream = s;
    }
    const socket = upstream;
    this.recorded?.up.push(Buffer.from(msg));
    this.stats.up.in++;
    const attacked = this.attack(msg, 'up');
    if (attacked === null) return;
    this.pass(attacked, this.up, this.stats.up, (m) => {
      // A connected socket may still be connecting: send once it is.
      try {
        socket.send(m);
      } catch {
        socket.once('connect', () => socket.send(m));
      }
    });
  }

  private pass(msg: Buffer, shape: LinkShape, st: DirectionStats, send: (m: Buffer) => void): void {
    const rand = this.rand;
    if (shape.loss > 0 && rand() < shape.loss) {
      st.lost++;
      return;
    }
    const copies = shape.duplicate > 0 && rand() < shape.duplicate ? 2 : 1;
    if (copies === 2) st.duplicated++;
    for (let c = 0; c < copies; c++) {
      let delay = shape.delayMs + (shape.jitterMs > 0 ? rand() * shape.jitterMs : 0);
      if (shape.reorder > 0 && rand() < shape.reorder) {
        st.reordered++;
        delay += Math.max(1, shape.delayMs);
      }
      const out = (m: Buffer) => {
        st.out++;
        send(m);
      };
      if (delay <= 0) out(msg);
      else this.queue.add({ at: performance.now() + delay, msg, send: out });
    }
  }
}
