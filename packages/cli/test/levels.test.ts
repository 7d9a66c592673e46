import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from '@clogs/client';
import { DEFAULT_LEVEL, describeLevels, levelName } from '@clogs/protocol';
import { parseLine } from 'clogs-server';
import { beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/index.js';
import { run, useServer } from './helpers.js';

const local = useServer('clogs-cli-levels-');
let spec: string;
beforeEach(async () => {
  spec = await local.start();
});

/** The level and message of every line in the server's `LV/<file>.log`. */
async function written(file: string): Promise<[string, string][]> {
  await local.server!.flush();
  const text = await readFile(join(local.dir, 'data', 'LV', `${file}.log`));
  return text
    .toString('latin1')
    .trimEnd()
    .split('\n')
    .map((l) => {
      const r = parseLine(Buffer.from(l, 'latin1'))!;
      return [l.split(' ')[1]!, r.msg.toString('latin1')];
    });
}

const raw = (file: string, ...more: string[]) => [
  '-s',
  spec,
  '--ack',
  '--format',
  'raw',
  '--sys',
  'LV',
  '--file',
  file,
  ...more,
];

describe('levels on the command line and in the config file: the protocol level table', () => {
  it.each([
    ['notice', 'INFO'],
    ['trace', 'TRACE'],
    ['WARNING', 'WARN'],
    ['crit', 'FATAL'],
    ['5', 'ERROR'],
  ])('--level %s is taken and written as %s', async (level, name) => {
    const { code, err } = await run(raw('flag', '--level', level), ['one\n']);
    expect(code, err).toBe(ExitCode.OK);
    expect(await written('flag')).toEqual([[name, 'one']]);
  });

  it('--level bogus is bad usage, with the levels listed', async () => {
    const { code, err } = await run(raw('flag', '--level', 'bogus'), ['one\n']);
    expect(code).toBe(ExitCode.USAGE);
    expect(err).toContain(`level must be one of ${describeLevels()}; not "bogus"`);
  });

  it('--help lists the levels from the table', async () => {
    const { code, out } = await run(['--help'], []);
    expect(code).toBe(ExitCode.OK);
    // commander wraps long descriptions: compare with the spaces folded
    expect(out.replace(/\s+/g, ' ')).toContain(`the records' level: ${describeLevels()}`);
  });

  it("takes the config file's level by alias; refuses a bad one naming the file, exit 78", async () => {
    const good = join(local.dir, 'good.json');
    await writeFile(good, JSON.stringify({ defaults: { level: 'err' } }));
    const ok = await run([...raw('cfg'), '-c', good], ['from config\n']);
    expect(ok.code, ok.err).toBe(ExitCode.OK);
    expect(await written('cfg')).toEqual([['ERROR', 'from config']]);

    const bad = join(local.dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ defaults: { level: 'notice2' } }));
    const refused = await run([...raw('cfg'), '-c', bad], ['never\n']);
    expect(refused.code).toBe(ExitCode.CONFIG);
    expect(refused.err).toBe(
      `clogs-cli: bad config ${bad}: defaults.level: must be one of ${describeLevels()}; not "notice2" [ERR_CLI_BAD_CONFIG]\n`,
    );
  });
});

describe('one default level', () => {
  it("a record given no level, from the client as its README's quick start makes it and from clogs-cli, is written at DEFAULT_LEVEL (INFO)", async () => {
    const client = createClient({
      servers: [spec],
      defaults: { sysId: 'LV', msgType: 'TXT', fileName: 'same' },
    });
    client.log('from the client');
    expect(await client.close({ timeoutMs: 10_000 })).toEqual({ undelivered: 0 });
    expect((await run(raw('same'), ['from the cli\n'])).code).toBe(ExitCode.OK);
    const name = levelName(DEFAULT_LEVEL).toUpperCase();
    expect(name).toBe('INFO');
    expect(await written('same')).toEqual([
      [name, 'from the client'],
      [name, 'from the cli'],
    ]);
  });
});
