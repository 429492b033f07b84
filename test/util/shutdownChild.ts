/**
 * Child process of shutdownSignals.test.ts: installs the shutdown handlers, prints `ready`, and
 * on a signal runs a shutdown that appends `start <signal>` and `end` to a marker file.
 *
 * Usage: node --import tsx shutdownChild.ts <marker file> <mode>
 *   mode `timed:<ms>`: the shutdown takes <ms> milliseconds;
 *   mode `stdin`: the shutdown waits for a line `finish` on stdin (the test decides when).
 */
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { installShutdownHandlers } from '../../src/util/index.js';

const [marker, mode] = process.argv.slice(2);
if (marker === undefined || mode === undefined) {
  throw new Error('shutdownChild.ts: usage: shutdownChild.ts <marker file> <timed:<ms>|stdin>');
}

const line = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** Resolves when the test writes `finish` on stdin. */
function finishRequested(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve) => {
    lines.on('line', (l) => {
      if (l.trim() === 'finish') resolve();
    });
  });
}

const finish = mode === 'stdin' ? finishRequested() : null;
const ms = mode.startsWith('timed:') ? Number(mode.slice('timed:'.length)) : 0;

installShutdownHandlers({
  name: 'child',
  onShutdown: async (signal) => {
    appendFileSync(marker, `start ${signal}\n`);
    line(`shutdown-start ${signal}`);
    if (finish !== null) await finish;
    else await new Promise((r) => setTimeout(r, ms));
    appendFileSync(marker, 'end\n');
    line('shutdown-end');
  },
  forceQuitMessage: 'exiting without a checkpoint',
  log: {
    info: (m) => line(`info ${m}`),
    warn: (m) => line(`warn ${m}`),
    error: (m) => line(`error ${m}`),
  },
});
// Keep the event loop alive as a node's spin timer would.
setInterval(() => undefined, 1000);
line('ready');
