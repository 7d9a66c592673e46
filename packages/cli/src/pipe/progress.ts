/** A terminal's stream, as the progress line needs it. */
export type TerminalOut = NodeJS.WritableStream & {
  columns?: number;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
};

const CLEAR_LINE = '\r\x1b[K';
/** Where `columns` is unknown. */
const FALLBACK_COLUMNS = 80;

/**
 * `text` in `width` columns, cut after its last whole field (fields end at ", ") that
 * fits: a number cut short reads as another number. A first field too long for the
 * width ends in "…".
 */
export function fit(text: string, width: number): string {
  if (text.length <= width) return text;
  const end = text.lastIndexOf(', ', width);
  if (end > 0) return text.slice(0, end);
  return `${text.slice(0, width - 1)}…`;
}

/**
 * The live progress line pipe mode draws on a terminal's stderr, every `everyMs`. It is
 * cut to the terminal's width (one column spare: a line that fills the last column
 * wraps on some terminals), so `\r` always returns to its start. When the terminal is
 * resized, a narrower one has wrapped the line already drawn onto several rows (most
 * terminals reflow): the cursor goes up to its first row, everything below is
 * cleared, and the line is drawn again within the new width. Notices go above it.
 */
export class ProgressLine {
  /** Length of the line on screen (0: none). */
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly onResize = () => this.redraw();

  constructor(
    private readonly out: TerminalOut,
    private readonly text: () => string,
    private readonly everyMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), this.everyMs);
    this.out.on('resize', this.onResize);
  }

  /** Prints `line` where the progress line was, then draws it again below. */
  above(line: string): void {
    this.out.write(`${CLEAR_LINE}${line}\n`);
    this.drawn = 0;
    this.draw();
  }

  /** Clears the line and stops drawing it. */
  stop(): void {
    clearInterval(this.timer);
    this.out.off('resize', this.onResize);
    this.out.write(CLEAR_LINE);
    this.drawn = 0;
  }

  private draw(): void {
    const line = fit(this.text(), Math.max(1, this.columns() - 1));
    this.out.write(`${CLEAR_LINE}${line}`);
    this.drawn = line.length;
  }

  private redraw(): void {
    const rows = Math.ceil(this.drawn / Math.max(1, this.columns()));
    this.out.write(`\r${rows > 1 ? `\x1b[${rows - 1}A` : ''}\x1b[J`);
    this.drawn = 0;
    this.draw();
  }

  private columns(): number {
    return this.out.columns ?? FALLBACK_COLUMNS;
  }
}
