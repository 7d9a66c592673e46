// A producer process for pipe tests: writes numbered lines to stdout, as fast as the
// pipe takes them (`fast N`), one every few ms (`trickle N MS`), or without end until
// killed (`endless`). Line i is "<sys> TXT <i padded to 8> <pad>", sys = P0..P7 by i, so
// the records spread over several log files (and servers). Plain JS: starts in ~40 ms.
const [mode, countArg, msArg] = process.argv.slice(2);
const count = mode === 'endless' ? Number.POSITIVE_INFINITY : Number(countArg);
const pad = 'x'.repeat(60);
const line = (i) => `P${i % 8} TXT ${String(i).padStart(8, '0')} ${pad}\n`;
process.stdout.on('error', (err) => {
  // The reader went away (EPIPE): say how far we got, end quietly.
  process.stderr.write(`producer: ${err.code} after ${i} lines\n`);
  process.exit(3);
});
let i = 0;
if (mode === 'trickle') {
  const timer = setInterval(() => {
    process.stdout.write(line(i++));
    if (i >= count) {
      clearInterval(timer);
      process.stdout.end();
    }
  }, Number(msArg));
} else {
  // Lines are made a block ahead and each block written whole: the producer is never
  // the bottleneck (as fast as `cat`), so the reader sees a pipe that is always full.
  const write = () => {
    while (i < count) {
      const lines = [];
      for (let k = 0; k < 65_536 && i < count; k++) lines.push(line(i++));
      if (!process.stdout.write(lines.join(''))) return process.stdout.once('drain', write);
    }
    process.stdout.end();
  };
  write();
}
