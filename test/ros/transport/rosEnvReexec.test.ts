/**
 * The re-executing parent of ensureRosEnvironment (src/ros/transport/rclnodejs/rosEnv.ts): run
 * from a plain shell with the project's ROS prefix, the process re-runs itself with the ROS
 * environment and waits. Ctrl-C signals both processes (one foreground process group), and a
 * `kill <pid>` reaches the parent alone. Either way the parent must not die of the signal (exit -2
 * while the child still shuts down): it passes the signal on and exits with the child's code.
 *
 * No ROS needed: TORQUEPILOT_ROS_HOME points at a fake prefix whose env.json sets one variable,
 * which the re-executed child prints (proof that it is the re-executed process).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  appliedMarkerHolds,
  userShellEnvironment,
} from '../../../src/ros/transport/rclnodejs/rosEnv.js';

const CHILD = fileURLToPath(new URL('./reexecChild.ts', import.meta.url));
/** Bound on any wait (tsx startup twice included); a hang fails, never passes. */
const WAIT_MS = 20_000;

const home = mkdtempSync(join(tmpdir(), 'tp-reexec-'));
writeFileSync(
  join(home, 'env.json'),
  JSON.stringify({
    version: 1,
    distro: 'fake',
    prefix: home,
    env: { TORQUEPILOT_FAKE_ROS: 'applied' },
    nodeEnv: {},
  }),
);
after(() => rmSync(home, { recursive: true, force: true }));

interface Run {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly marker: string;
  readonly output: string[];
  readonly ready: Promise<{ pid: number; ppid: number; fake: string; preload: string }>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(mode: string, name: string, extraEnv: Record<string, string> = {}): Run {
  const marker = join(home, `${name}.marker`);
  // A plain shell: no sourced ROS, not re-executed yet (unless extraEnv says otherwise). No DDS
  // starts here: the domain is a formality.
  const env = { ...userShellEnvironment(99), TORQUEPILOT_ROS_HOME: home, ...extraEnv };
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, marker, mode], {
    env,
    detached: true, // its own process group, as a shell's foreground job
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  createInterface({ input: proc.stderr }).on('line', (l) => output.push(`[stderr] ${l}`));
  const lines = createInterface({ input: proc.stdout });
  const ready = new Promise<{ pid: number; ppid: number; fake: string; preload: string }>(
    (resolve) => {
      lines.on('line', (l) => {
        output.push(l);
        const m = /^ready (\d+) (\d+) (\S*) (\S*)$/.exec(l);
        if (m)
          resolve({ pid: Number(m[1]), ppid: Number(m[2]), fake: m[3] ?? '', preload: m[4] ?? '' });
      });
    },
  );
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, marker, output, ready, exit };
}

function within<T>(p: Promise<T>, what: string, output: string[]): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${what}: not within ${WAIT_MS} ms\n${output.join('\n')}`)),
        WAIT_MS,
      ).unref(),
    ),
  ]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ensureRosEnvironment: the re-executing parent', () => {
  test('Ctrl-C (SIGINT to the process group): one shutdown in the child, parent exits 0', async () => {
    const run = start('wait', 'group');
    const ready = await within(run.ready, 'ready', run.output);
    assert.equal(ready.fake, 'applied', 'the child runs with the ROS environment');
    assert.equal(ready.ppid, run.proc.pid, 'the child is the re-executed process');
    process.kill(-(run.proc.pid as number), 'SIGINT');
    const exit = await within(run.exit, 'exit', run.output);
    assert.deepEqual(exit, { code: 0, signal: null }, run.output.join('\n'));
    assert.equal(readFileSync(run.marker, 'utf8'), 'start SIGINT\nend\n');
    assert.equal(alive(ready.pid), false);
  });

  test('SIGTERM to the parent alone is passed on: the child shuts down, parent exits 0', async () => {
    const run = start('wait', 'parent');
    const ready = await within(run.ready, 'ready', run.output);
    run.proc.kill('SIGTERM');
    const exit = await within(run.exit, 'exit', run.output);
    assert.deepEqual(exit, { code: 0, signal: null }, run.output.join('\n'));
    assert.equal(readFileSync(run.marker, 'utf8'), 'start SIGTERM\nend\n');
    assert.equal(alive(ready.pid), false);
  });

  // The environment of a re-executed child: the marker, the ROS variables, and the preload.
  // libc.so.6 stands in for libpython: preloading it is harmless (every process has it).
  const childLike = {
    TORQUEPILOT_ROS_ENV_APPLIED: '1',
    ROS_DISTRO: 'fake',
    AMENT_PREFIX_PATH: home,
    TORQUEPILOT_NODE_LD_PRELOAD: 'libc.so.6',
  };

  test('the marker with its preload: not re-executed', async () => {
    const run = start('wait', 'marker-whole', { ...childLike, LD_PRELOAD: 'libc.so.6' });
    const ready = await within(run.ready, 'ready', run.output);
    assert.equal(ready.pid, run.proc.pid, 'the process itself went on');
    run.proc.kill('SIGTERM');
    const exit = await within(run.exit, 'exit', run.output);
    assert.deepEqual(exit, { code: 0, signal: null }, run.output.join('\n'));
    assert.equal(appliedMarkerHolds({ ...childLike, LD_PRELOAD: 'libc.so.6' }), true);
    assert.equal(appliedMarkerHolds({ ...childLike, TORQUEPILOT_ROS_ENV_APPLIED: '0' }), false);
  });

  test('the marker without its preload (copied into a shell): re-executed with the preload', async () => {
    // Loading rclnodejs in such a process would make it rebuild (and delete) its native addon.
    assert.equal(appliedMarkerHolds(childLike), false);
    const run = start('wait', 'marker-copied', childLike);
    const ready = await within(run.ready, 'ready', run.output);
    assert.equal(ready.ppid, run.proc.pid, 'the process was re-executed');
    assert.equal(ready.preload, 'libc.so.6', 'with the preload');
    run.proc.kill('SIGTERM');
    const exit = await within(run.exit, 'exit', run.output);
    assert.deepEqual(exit, { code: 0, signal: null }, run.output.join('\n'));
  });

  test("the parent exits with the child's exit code", async () => {
    const run = start('exit:3', 'code');
    const exit = await within(run.exit, 'exit', run.output);
    assert.deepEqual(exit, { code: 3, signal: null }, run.output.join('\n'));
    assert.equal(existsSync(run.marker), false);
  });
});
