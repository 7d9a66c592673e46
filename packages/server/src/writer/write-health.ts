/** A file whose failed write can be tried again without writing records. */
export interface Probeable {
  probe(): Promise<void>;
}

/**
 * Whether the writer can write: false from the first failed write (EACCES, ENOSPC,
 * EROFS...), true again once the failing file takes a write, or a probe of it (create
 * the file, write a probe file beside it) works. While failing, one probe runs every
 * `probeMs`, never two at once.
 */
export class WriteHealth {
  private failing: Probeable | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(
    private readonly probeMs: number,
    private readonly onChange: (writable: boolean) => void,
  ) {}

  get writable(): boolean {
    return this.failing === undefined;
  }

  failed(target: Probeable): void {
    const was = this.failing;
    this.failing = target;
    if (was !== undefined) return;
    this.timer = setInterval(() => void this.probe(), this.probeMs);
    this.timer.unref();
    this.onChange(false);
  }

  worked(target: Probeable): void {
    if (this.failing === target) this.recovered();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async probe(): Promise<void> {
    const target = this.failing;
    if (target === undefined || this.probing) return;
    this.probing = true;
    try {
      await target.probe();
      if (this.failing === target) this.recovered();
    } catch {
      // still failing: the next probe comes in probeMs
    } finally {
      this.probing = false;
    }
  }

  private recovered(): void {
    this.failing = undefined;
    this.close();
    this.onChange(true);
  }
}
