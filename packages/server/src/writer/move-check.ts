import type { LogFile } from './log-file.js';
import type { OpenFiles } from './open-files.js';

/**
 * Looks at every open file each `everyMs` for a rename or a delete by another process
 * (the file then reopens by path before its next write), one pass at a time.
 */
export class MoveCheck {
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly files: OpenFiles<LogFile>,
    everyMs: number,
  ) {
    this.timer = setInterval(() => void this.check(), everyMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const file of [...this.files.files()]) await file.checkMoved();
    } finally {
      this.checking = false;
    }
  }
}
