import { configDefaults, defineConfig } from 'vitest/config';

const INCLUDE = ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'];

/**
 * Files that run alone, after the rest: they load both cores (fast pipes, 100,000-record
 * runs, the lossy link, a flood, kill -9 under load), race the process they test (a
 * rotation while the queue overflows, an event-loop stall against a 50 ms ping), or bound
 * a delay within tens of ms (the link's timers, a process's lifetime, a ping verdict).
 * Beside another file they would time the machine, not the code.
 */
const ALONE = [
  'packages/cli/test/pipe-process.test.ts',
  'packages/cli/test/network.test.ts',
  'packages/cli/test/follow-kill.test.ts',
  'packages/cli/test/follow-read-again.test.ts',
  'packages/client/test/at-least-once.test.ts',
  'packages/client/test/event-loop-stall.test.ts',
  'packages/client/test/lifecycle.test.ts',
  'packages/client/test/client.test.ts',
  'test/flood.test.ts',
  'test/logrotate.test.ts',
  'test/lossy-link.test.ts',
];

export default defineConfig({
  // Tests run against the TypeScript sources through each package's "source" export condition: no build needed.
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  resolve: { conditions: ['source', 'module', 'node', 'development|production'] },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        // Most files wait on processes, sockets and timers more than they compute: two at a
        // time halves the suite's wall time on a 2-core machine.
        test: {
          name: 'shared',
          include: INCLUDE,
          exclude: [...configDefaults.exclude, ...ALONE],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
