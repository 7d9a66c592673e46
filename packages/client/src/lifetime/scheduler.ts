import { ProcessHold } from './process-hold.js';

/** The resend and ACK-expiry tick, ms; also the handle that holds the process. */
const TICK_MS = 10;

/** What the client does on its timers. */
export interface ScheduledJobs {
  /** Every 10 ms: resends, ACK expiry, servers that send no ACKs. */
  tick(now: number): void;
  /** Every ping interval: judge the last PING, send the next. */
  health(): void;
  /** Every `dnsRefreshMs`: resolve the server names again. */
  dns(): void;
  /** A partial frame waited `flushIntervalMs`: seal it and send. */
  flush(): void;
  /** Frames are queued and a pacer has room (again). */
  pump(): void;
  /** The app is done ('beforeExit') and nothing was delivered for `exitTimeoutMs`: give up. */
  abandon(): void;
}

export interface SchedulerTiming {
  pingIntervalMs: number;
  dnsRefreshMs: number;
  flushIntervalMs: number;
  exitTimeoutMs: number;
}

/**
 * A one-shot timer that runs one job. Unref'd, like every timer of the client: only the
 * {@link ProcessHold} decides whether the process is held. Dead once its scheduler stops.
 */
export class TimerSlot {
  private timer: NodeJS.Timeout | undefined;
  private readonly fire = () => {
    this.timer = undefined;
    this.job();
  };

  constructor(
    private readonly scheduler: Scheduler,
    private readonly job: () => void,
  ) {}

  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Runs the job in `ms`; a pending one stands. */
  arm(ms: number): void {
    if (this.timer !== undefined || this.scheduler.stopped) return;
    this.timer = setTimeout(this.fire, ms).unref();
  }

  /** Runs the job in `ms` instead of when it was due. */
  rearm(ms: number): void {
    this.cancel();
    this.arm(ms);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Owns every timer of a client and what holds its process. Every timer is unref'd but
 * one, the 10 ms tick, which the {@link ProcessHold} refs while the client holds
 * undelivered records and gets somewhere, or while someone awaits flush() or close().
 * So the rule of the README's Process lifetime is decided in one place, and `stop()`
 * leaves nothing behind.
 */
export class Scheduler {
  stopped = false;
  private readonly hold: ProcessHold;
  private readonly tickTimer: NodeJS.Timeout;
  private readonly healthTimer: NodeJS.Timeout;
  private readonly dnsTimer: NodeJS.Timeout;
  private readonly flushSlot: TimerSlot;
  private readonly pumpSlot: TimerSlot;
  private readonly slots: TimerSlot[] = [];
  /** flush() and close() calls waiting for the client to be idle. */
  private readonly idleWaiters: (() => void)[] = [];

  /** How long a partial frame waits; a live config changes it through {@link setFlushInterval}. */
  private flushIntervalMs: number;

  constructor(timing: SchedulerTiming, jobs: ScheduledJobs) {
    this.flushIntervalMs = timing.flushIntervalMs;
    const tick = () => {
      const now = performance.now();
      jobs.tick(now);
      if (this.hold.working) this.hold.update(now);
    };
    this.tickTimer = setInterval(() => this.afterIo(tick), TICK_MS).unref();
    this.hold = new ProcessHold(this.tickTimer, timing.exitTimeoutMs, () => jobs.abandon());
    this.healthTimer = setInterval(() => this.afterIo(() => jobs.health()), timing.pingIntervalMs).unref();
    this.dnsTimer = setInterval(() => jobs.dns(), timing.dnsRefreshMs).unref();
    this.flushSlot = this.slot(() => jobs.flush());
    this.pumpSlot = this.slot(() => jobs.pump());
  }

  /**
   * Runs `job` in this turn's check phase, after the poll phase has read what waits in
   * the sockets. Resends and verdicts (no PONG, no ACK) are judged there: after the app
   * held the event loop (a long synchronous loop of log() calls), the ACKs and PONGs
   * that came meanwhile are read first, and a server that answered in time is not taken
   * for a silent one, nor its frames resent.
   */
  afterIo(job: () => void): void {
    setImmediate(() => {
      if (!this.stopped) job();
    });
  }

  /** A one-shot timer for `job`, stopped with the others. */
  slot(job: () => void): TimerSlot {
    const slot = new TimerSlot(this, job);
    this.slots.push(slot);
    return slot;
  }

  /** Partial frames go out after flushIntervalMs. */
  armFlush(): void {
    this.flushSlot.arm(this.flushIntervalMs);
  }

  /** Partial frames wait `ms` from the next one armed on. */
  setFlushInterval(ms: number): void {
    this.flushIntervalMs = ms;
  }

  /**
   * One pump timer; a pending one stands. Moving it sooner for an ACK makes sending
   * bursty, and a burst is what a receiver's socket loses and a slow-disk server sheds.
   */
  armPump(ms: number): void {
    this.pumpSlot.arm(ms);
  }

  /** The client went from idle to holding records: the stall clock starts now. */
  busy(): void {
    if (!this.hold.working) this.hold.begin(performance.now());
  }

  /** Records were delivered (at-most-once: handed to the network; at-least-once: acknowledged). */
  progress(now: number): void {
    this.hold.progress(now);
  }

  /** Nothing is queued, in flight or awaiting an ACK: the process is free, and flush() waiters resolve. */
  idle(): void {
    this.hold.end();
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /**
   * Resolves true once {@link idle} is called; false at the deadline. While awaited, the
   * client holds the process (see {@link ProcessHold}). `sooner` receives a function that
   * brings the deadline nearer.
   */
  whenIdle(
    isIdle: boolean,
    timeoutMs: number | undefined,
    sooner?: (bring: (timeoutMs: number) => void) => void,
  ): Promise<boolean> {
    if (isIdle) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let deadline = Number.POSITIVE_INFINITY;
      let done = false;
      const finish = (idle: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const at = this.idleWaiters.indexOf(wake);
        if (at >= 0) this.idleWaiters.splice(at, 1);
        this.hold.wait(-1, performance.now());
        resolve(idle);
      };
      const wake = () => finish(true);
      const arm = (ms: number) => {
        const at = performance.now() + ms;
        if (at >= deadline) return;
        deadline = at;
        clearTimeout(timer);
        // Not a slot: a deadline stands after stop(), so a waiter always settles.
        timer = setTimeout(() => finish(false), ms).unref();
      };
      if (timeoutMs !== undefined) arm(timeoutMs);
      sooner?.(arm);
      this.idleWaiters.push(wake);
      this.hold.wait(1, performance.now());
    });
  }

  /** close() is done: no timer runs again, and the process is never held again. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearInterval(this.healthTimer);
    clearInterval(this.dnsTimer);
    for (const slot of this.slots) slot.cancel();
    this.hold.release();
  }
}
