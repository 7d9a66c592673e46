import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `<dir>/lines-<n>.txt`, written once: `n` lines of 100 bytes, "PAY1 TXT ", a counter
 * and a message, LF. The input of the CLI benchmarks.
 */
export function lineFile(dir: string, n: number): string {
  const path = join(dir, `lines-${n}.txt`);
  if (!existsSync(path)) {
    const body = 'order accepted id=00000000 amount=99.95 EUR gw=3 route=a-b-c status=ok note=none pad=xxxxx';
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(`PAY1 TXT ${String(i).padStart(8, '0')} ${body.slice(0, 81)}`);
    writeFileSync(path, `${out.join('\n')}\n`);
  }
  return path;
}
