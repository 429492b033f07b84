/**
 * A learner killed and restarted over real DDS (domain 62): `torquepilot learner` checkpoints
 * every 3 updates while actor a3 feeds it; the learner is killed with SIGKILL mid-run, and
 * `torquepilot learner --resume <run>` goes on from the latest checkpoint: its first published
 * version is the checkpoint's, its versions continue from there, and the same actor process
 * (never restarted) keeps working: it applies the resumed learner's parameters and its chunks are
 * learned from. The checkpoint written by the kill's victim was whole (saveCheckpoint is atomic).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ManagedProcess } from './harness.js';
import { rosSkipReason } from './harness.js';
import {
  ACTOR_CHUNK,
  firstActingVersion,
  jsonLine,
  jsonLines,
  REACHER,
  startActor,
  startCli,
  waitForVersion,
} from './fleetProcesses.js';

const DOMAIN = 62;
const skip = rosSkipReason();
const BATCH = 1024;
/** Updates the resumed learner makes. */
const MORE = 6;

describe('fleet over DDS: learner restarted from its checkpoint', { skip: skip ?? false }, () => {
  let dir = '';
  const processes: ManagedProcess[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-fleet-resume-'));
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('version continues from the checkpoint; the actor keeps working', async () => {
    const runDir = join(dir, 'run');
    const common = ['--batch-size', String(BATCH), '--checkpoint-every', '3', '--keep-every', '6'];
    const first = startCli(DOMAIN, 'learner-1', [
      'learner',
      ...REACHER,
      ...common,
      '--seed',
      '2',
      '--run-dir',
      runDir,
    ]);
    processes.push(first);
    const actor = startActor(DOMAIN, 'a3', 13, BATCH / ACTOR_CHUNK);
    processes.push(actor);
    assert.equal(await firstActingVersion(actor, 60_000), 0);
    await waitForVersion(first, 7, 60_000);
    process.kill(first.child.pid as number, 'SIGKILL');
    await first.waitForExit(10_000);
    assert.equal(first.exitSignal, 'SIGKILL');
    const latest = JSON.parse(readFileSync(join(runDir, 'checkpoints', 'latest.json'), 'utf8')) as {
      iteration: number;
      steps: number;
    };
    assert.ok(latest.iteration >= 6 && latest.iteration % 3 === 0, `latest ${latest.iteration}`);
    assert.equal(latest.steps, latest.iteration * BATCH);
    const appliedBefore = jsonLines(first, 'update').length;
    assert.ok(appliedBefore >= 7);

    const second = startCli(DOMAIN, 'learner-2', [
      'learner',
      ...REACHER,
      ...common,
      '--resume',
      runDir,
      '--steps',
      String((latest.iteration + MORE) * BATCH),
      '--eval-initial',
    ]);
    processes.push(second);
    assert.equal(await second.waitForExit(120_000), 0, second.tail());
    // Version and counters continue from the checkpoint.
    assert.equal(jsonLine(second, 'start')['version'], latest.iteration);
    const updates = jsonLines(second, 'update');
    assert.deepEqual(
      updates.map((u) => u['version']),
      Array.from({ length: MORE }, (_, i) => latest.iteration + i + 1),
    );
    const done = jsonLine(second, 'done');
    assert.equal(done['updates'], latest.iteration + MORE);
    assert.equal(done['transitions'], (latest.iteration + MORE) * BATCH);
    // The same actor process fed the resumed learner and follows its versions.
    const accepted = jsonLine(second, 'actors')['accepted'] as Record<string, number>;
    assert.ok((accepted['a3'] ?? 0) > 0, JSON.stringify(accepted));
    const stopped = await actor.interrupt('SIGINT', 20_000);
    assert.equal(stopped.code, 0, actor.tail());
    assert.equal(jsonLine(actor, 'done')['version'], latest.iteration + MORE);
    // Pruned as train prunes: the latest and the multiples of --keep-every; version 3 is gone.
    const kept = readdirSync(join(runDir, 'checkpoints'))
      .filter((e) => e.startsWith('iter-'))
      .map((e) => Number(e.slice('iter-'.length)))
      .sort((a, b) => a - b);
    const last = latest.iteration + MORE;
    assert.deepEqual(
      kept,
      Array.from({ length: Math.floor(last / 6) }, (_, i) => 6 * (i + 1)).concat(
        last % 6 === 0 ? [] : [last],
      ),
    );
  });
});
