import type { Etcd3 } from 'etcd3';
import type { LiveOption } from '../live-options.js';
import type { ClogsServer } from '../server.js';
import { type AppliedEvent, ConfigWatch, type PinnedEvent } from './config-watch.js';

/** The command-line flag of each live option: a flag given holds its option against etcd. */
export const LIVE_FLAGS: Readonly<Record<LiveOption, string>> = {
  maskPan: 'mask-pan',
  attribution: 'attribution',
  rollBytes: 'roll-bytes',
  rollEvery: 'roll-every',
  maxTotalBytes: 'max-total-bytes',
  maxFiles: 'max-files',
  allowSys: 'allow-sys',
};

/** The live options the command line gave (`values` as parseArgs returns them), with their flags. */
export function pinnedByFlags(values: Readonly<Record<string, unknown>>): Map<LiveOption, string> {
  const pinned = new Map<LiveOption, string>();
  for (const [option, flag] of Object.entries(LIVE_FLAGS) as [LiveOption, string][]) {
    if (values[flag] !== undefined) pinned.set(option, `--${flag}`);
  }
  return pinned;
}

/**
 * `clogs-server --etcd`: follows the cluster's server-config and says on `stderr`
 * what it applied (one line per change), what it refused and why, and once per
 * option that a flag holds it. Resolves once the settings were read (or etcd did not
 * answer: a warning, and it goes on trying).
 */
export async function followServerConfig(o: {
  connect: () => Promise<Etcd3>;
  explain?: ((err: Error) => string) | undefined;
  cluster: string;
  server: ClogsServer;
  values: Readonly<Record<string, unknown>>;
  stderr: NodeJS.WritableStream;
  quiet: boolean;
}): Promise<ConfigWatch> {
  const watch = new ConfigWatch({
    connect: o.connect,
    explain: o.explain,
    cluster: o.cluster,
    target: o.server,
    base: o.server.settings,
    pinned: pinnedByFlags(o.values),
  });
  if (!o.quiet) {
    const say = (line: string) => o.stderr.write(`clogs-server${line}\n`);
    watch.on('applied', (e: AppliedEvent) =>
      say(` applied ${e.key}: ${e.option} ${e.from} -> ${e.to} (revision ${e.revision})`),
    );
    watch.on('pinned', (e: PinnedEvent) =>
      say(
        `: ${watch.key} sets ${e.option}, but ${e.flag} was given: the command line wins, etcd's value is ignored`,
      ),
    );
    watch.on('refused', (err: Error) => say(`: ${err.message}`));
    watch.on('warning', (err: Error) => say(`: ${err.message}`));
  }
  await watch.start();
  return watch;
}
