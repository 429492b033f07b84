/**
 * installShutdownHandlers (src/util/shutdownSignals.ts): the signal patterns of `ros2 launch`
 * give one graceful shutdown, run to completion, exit 0; a later Ctrl-C forces exit 130.
 *
 * 1. With an injected signal source, clock and exit (every branch, no processes).
 * 2. For real: a child process (shutdownChild.ts) gets the signals from `child.kill`; its shutdown
 *    appends `start <signal>` / `end` to a marker file, so "ran once, to completion" is checked
 *    from the file, and the exit code from the process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { installShutdownHandlers, SHUTDOWN_DEFAULTS } from '../../src/util/index.js';
import type { ShutdownOutcome } from '../../src/util/index.js';

const CHILD = fileURLToPath(new URL('./shutdownChild.ts', import.meta.url));
/** Bound on any wait for the child (startup with tsx included); a hang fails, never passes. */
const WAIT_MS = 20_000;

describe('installShutdownHandlers with an injected signal source and clock', () => {
  function harness(shutdown: () => Promise<number | void>) {
    const source = new EventEmitter();
    let t = 0;
    const exits: number[] = [];
    const lines: string[] = [];
    const calls: string[] = [];
    const handle = installShutdownHandlers({
      onShutdown: (signal) => {
        calls.push(signal);
        return shutdown();
      },
      forceQuitMessage: 'exiting without a checkpoint',
      log: {
        info: (m) => lines.push(`info ${m}`),
        warn: (m) => lines.push(`warn ${m}`),
        error: (m) => lines.push(`error ${m}`),
      },
      exit: (code) => exits.push(code),
      now: () => t,
      signals: {
        on: (e, l) => source.on(e, l),
        off: (e, l) => source.off(e, l),
      },
    });
    const send = (signal: NodeJS.Signals, atMs: number): void => {
      t = atMs;
      source.emit(signal, signal);
    };
    return { source, handle, exits, lines, calls, send };
  }

  function deferred() {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  }

  test('SIGINT, SIGINT 5 ms later, SIGTERM 5 s later: one shutdown, exit 0', async () => {
    const gate = deferred();
    const h = harness(() => gate.promise);
    h.send('SIGINT', 0);
    h.send('SIGINT', 5);
    h.send('SIGTERM', 5000);
    assert.deepEqual(h.calls, ['SIGINT']);
    assert.deepEqual(h.exits, []);
    assert.ok(
      h.lines.some((l) => /^info .*same Ctrl-C/.test(l)),
      h.lines.join('\n'),
    );
    assert.ok(h.lines.some((l) => /^warn .*SIGTERM 5000 ms .*still shutting down/.test(l)));
    gate.resolve();
    const outcome: ShutdownOutcome = await h.handle.done;
    assert.deepEqual(outcome, { signal: 'SIGINT', forced: false, exitCode: 0 });
    assert.deepEqual(h.exits, [0]);
    assert.equal(h.source.listenerCount('SIGINT'), 1, 'listeners stay until exit');
  });

  test('a SIGINT after the grace window forces exit 130 and says what it gives up', async () => {
    const h = harness(() => new Promise(() => undefined));
    h.send('SIGTERM', 0);
    h.send('SIGINT', SHUTDOWN_DEFAULTS.graceMs); // still the same Ctrl-C
    assert.deepEqual(h.exits, []);
    h.send('SIGINT', SHUTDOWN_DEFAULTS.graceMs + 1);
    assert.deepEqual(h.exits, [130]);
    assert.ok(h.lines.some((l) => l === 'error second Ctrl-C: exiting without a checkpoint'));
    assert.deepEqual(await h.handle.done, { signal: 'SIGTERM', forced: true, exitCode: 130 });
    h.send('SIGINT', 9000);
    assert.deepEqual(h.exits, [130], 'nothing after exit');
    assert.deepEqual(h.calls, ['SIGTERM']);
  });

  test('exit code: the one onShutdown resolves to; 1 when it rejects or throws', async () => {
    const coded = harness(() => Promise.resolve(130));
    coded.send('SIGINT', 0);
    assert.equal((await coded.handle.done).exitCode, 130);
    const failed = harness(() => Promise.reject(new Error('bag not closed')));
    failed.send('SIGTERM', 0);
    assert.equal((await failed.handle.done).exitCode, 1);
    assert.ok(failed.lines.some((l) => /^error shutdown failed: bag not closed/.test(l)));
    const threw = harness(() => {
      throw new Error('sync throw');
    });
    threw.send('SIGINT', 0);
    assert.deepEqual(await threw.handle.done, { signal: 'SIGINT', forced: false, exitCode: 1 });
  });

  test('dispose removes the listeners before a signal, not during a shutdown', () => {
    const idle = harness(() => Promise.resolve());
    assert.equal(idle.source.listenerCount('SIGTERM'), 1);
    idle.handle.dispose();
    assert.equal(idle.source.listenerCount('SIGINT') + idle.source.listenerCount('SIGTERM'), 0);
    const busy = harness(() => new Promise(() => undefined));
    busy.send('SIGINT', 0);
    busy.handle.dispose();
    assert.equal(busy.source.listenerCount('SIGINT'), 1);
    assert.equal(busy.handle.signal(), 'SIGINT');
  });

  test('a negative grace window is refused', () => {
    assert.throws(
      () =>
        installShutdownHandlers({
          onShutdown: () => Promise.resolve(),
          forceQuitMessage: '',
          graceMs: -1,
          log: console,
        }),
      /installShutdownHandlers: graceMs -1/,
    );
  });
});

interface Child {
  proc: ChildProcessWithoutNullStreams;
  marker: string;
  output: () => string;
  /** Resolves when a stdout line matches (rejects after WAIT_MS or at exit). */
  waitFor: (re: RegExp) => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const dir = mkdtempSync(join(tmpdir(), 'shutdown-signals-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let children = 0;

async function startChild(mode: string): Promise<Child> {
  const marker = join(dir, `marker-${children++}`);
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, marker, mode], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const w of waiters.filter((w) => w.re.test(out))) w.resolve();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (re: RegExp): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (re.test(out)) return resolve();
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`no ${re} from the child in ${WAIT_MS} ms:\n${out}\n${err}`));
      }, WAIT_MS);
      waiters.push({
        re,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      void exited.then(() => {
        if (re.test(out)) return;
        clearTimeout(timer);
        reject(new Error(`child exited before ${re}:\n${out}\n${err}`));
      });
    });
  await waitFor(/^ready$/m);
  return { proc, marker, output: () => `${out}${err}`, waitFor, exited };
}

/** The child's exit, bounded: SIGKILL after WAIT_MS (then the exit code assertion fails). */
async function exitOf(
  child: Child,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), WAIT_MS);
  const result = await child.exited;
  clearTimeout(timer);
  return result;
}

function markerLines(child: Child): string[] {
  return existsSync(child.marker)
    ? readFileSync(child.marker, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('installShutdownHandlers in a real process, signals from child.kill', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} once: the shutdown runs once to its end, exit 0`, async () => {
      const child = await startChild('timed:300');
      child.proc.kill(signal);
      const { code } = await exitOf(child);
      assert.equal(code, 0, child.output());
      assert.deepEqual(markerLines(child), [`start ${signal}`, 'end']);
    });
  }

  test('SIGINT twice at random gaps of 0–50 ms (10 runs): one shutdown to its end, exit 0', async () => {
    for (let run = 0; run < 10; run++) {
      const gapMs = Math.floor(Math.random() * 51);
      const child = await startChild('timed:300');
      child.proc.kill('SIGINT');
      if (gapMs > 0) await sleep(gapMs); // the signal pattern itself, not a wait for readiness
      child.proc.kill('SIGINT');
      const { code } = await exitOf(child);
      assert.equal(code, 0, `run ${run}, gap ${gapMs} ms:\n${child.output()}`);
      assert.deepEqual(markerLines(child), ['start SIGINT', 'end'], `run ${run}, gap ${gapMs} ms`);
    }
  });

  test('SIGINT, then SIGTERM during the shutdown (launch escalating): keeps going, exit 0', async () => {
    const child = await startChild('stdin');
    child.proc.kill('SIGINT');
    await child.waitFor(/^shutdown-start SIGINT$/m);
    await sleep(SHUTDOWN_DEFAULTS.graceMs + 200); // past the grace window, as launch's 5 s is
    child.proc.kill('SIGTERM');
    await child.waitFor(/SIGTERM \d+ ms into the shutdown.*still shutting down/);
    child.proc.stdin.write('finish\n');
    const { code } = await exitOf(child);
    assert.equal(code, 0, child.output());
    assert.deepEqual(markerLines(child), ['start SIGINT', 'end']);
  });

  test('SIGINT, then SIGINT 1.5 s later: force-quit, exit 130, says what it gives up', async () => {
    const child = await startChild('stdin');
    child.proc.kill('SIGINT');
    await child.waitFor(/^shutdown-start SIGINT$/m);
    await sleep(1500);
    child.proc.kill('SIGINT');
    const { code } = await exitOf(child);
    assert.equal(code, 130, child.output());
    assert.match(child.output(), /error child: second Ctrl-C: exiting without a checkpoint/);
    assert.deepEqual(markerLines(child), ['start SIGINT'], 'the shutdown was cut short');
  });
});
