/**
 * The fleet over real DDS on loopback (domain 61): `torquepilot learner` and two `torquepilot
 * actor` processes improve a reacher-2dof policy, through three faults in the same run:
 *   - actor a2 joins late: its first parameters are the newest (transient-local), not version 0,
 *     and its chunks are learned from;
 *   - actor a1 is killed with SIGKILL mid-run (it is always inside a chunk): learning goes on to
 *     the budget, every update's counters stay consistent, the checkpoint loads;
 *   - a chunk of another robot (fixtures/foreignChunks.ts) is refused and counted.
 *
 * The margin: with TRPO updates of 2048 transitions (seed 1) and at least 30 of them, the
 * deterministic evaluation (50 episodes, std ≈ 2.6–3.5, so a standard error ≈ 0.4) went from
 * −10.98 to −9.55, −7.97 and −8.85 in three trial runs (30–32 updates); with 1024-transition
 * updates one run in five ended below its start, so the batch is 2048. The test asks for +0.5.
 * Once, in CI (the machine loaded by the other test files), a run ended at −11.76; its lag was
 * not printed. The actors then could run ahead of the learner without bound, which is the likely
 * cause on a loaded machine (stale chunks, CPU taken from the learner): they now collect at most a
 * batch beyond the versions they received (`--max-ahead 4`), which bounds the lag (p99 ≤ 3); four
 * runs on a loaded machine ended at −7.70 to −9.05. The diagnostic line prints these figures.
 * The run is not bit-reproducible (which actor's chunk arrives first depends on scheduling), and
 * it ends with Ctrl-C once the faults have happened (at least 8 updates after the kill), not at a
 * budget: a late actor takes seconds to start, as long as a whole short run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadCheckpoint } from '../../../src/policy/index.js';
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
  startFixture,
  waitForUpdate,
  waitForVersion,
} from './fleetProcesses.js';

const DOMAIN = 61;
const skip = rosSkipReason();
const BATCH = 2048;
/** Updates the run makes at least (the margin below was measured at 40). */
const MIN_UPDATES = 30;
/** Measured first (see the file comment). */
const MARGIN = 0.5;

describe('fleet over DDS: learner, two actors, faults', { skip: skip ?? false }, () => {
  let dir = '';
  const processes: ManagedProcess[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-fleet-dds-'));
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('learning improves the policy through a late actor, a killed actor, a foreign chunk', async (t) => {
    const runDir = join(dir, 'run');
    // Another robot's chunks: started first, it publishes once the learner's subscription matches.
    const foreign = startFixture(DOMAIN, 'foreignChunks.ts', []);
    processes.push(foreign);
    const learner = startCli(DOMAIN, 'learner', [
      'learner',
      ...REACHER,
      // No budget: the test ends the run with Ctrl-C once every fault has happened (a late actor
      // takes seconds to start, as long as a whole short run), after at least MIN_UPDATES.
      '--batch-size',
      String(BATCH),
      '--seed',
      '1',
      '--eval-initial',
      '--checkpoint-every',
      '10',
      '--run-dir',
      runDir,
    ]);
    processes.push(learner);
    const a1 = startActor(DOMAIN, 'a1', 11, BATCH / ACTOR_CHUNK);
    processes.push(a1);
    assert.equal(await firstActingVersion(a1, 60_000), 0, 'a1 starts with the initial policy');

    // The late actor: the learner has moved on (an actor process takes seconds to start, and
    // the whole run about 10 s, so "late" is after the first update); a2's first parameters are
    // the newest ones, not version 0.
    await waitForVersion(learner, 1, 60_000);
    const a2 = startActor(DOMAIN, 'a2', 12, BATCH / ACTOR_CHUNK);
    processes.push(a2);
    const a2First = await firstActingVersion(a2, 60_000);
    assert.ok(a2First >= 1, `the late actor started with version ${a2First}`);

    // kill -9 of a1 once a2's chunks reach the learner (a1, foreign, a2: 3 actors heard).
    await waitForUpdate(learner, (u) => (u['actors'] as number) >= 3, 60_000);
    process.kill(a1.child.pid as number, 'SIGKILL');
    await a1.waitForExit(10_000);
    assert.equal(a1.exitSignal, 'SIGKILL');
    const killedAt = jsonLines(learner, 'update').length;
    // Learning goes on without a1, then Ctrl-C: the learner's clean end (checkpoint, evaluation).
    await waitForVersion(learner, Math.max(MIN_UPDATES, killedAt + 8), 90_000);
    const stopped = await learner.interrupt('SIGINT', 60_000);
    assert.equal(stopped.code, 0, learner.tail());
    assert.equal(await foreign.waitForExit(30_000), 0, foreign.tail());
    const a2Exit = await a2.interrupt('SIGINT', 20_000);
    assert.equal(a2Exit.code, 0, a2.tail());

    // The done line, exactly these keys.
    const done = jsonLine(learner, 'done');
    assert.deepEqual(Object.keys(done), [
      'type',
      'transitions',
      'updates',
      'droppedStale',
      'refused',
      'finalEval',
    ]);
    const updates = jsonLines(learner, 'update');
    const total = updates.length;
    assert.ok(total >= MIN_UPDATES, `${total} updates`);
    assert.equal(done['updates'], total);
    assert.equal(done['transitions'], total * BATCH, 'whole 512-transition chunks per batch');
    assert.ok((done['refused'] as number) >= 1, `refused ${String(done['refused'])}`);

    // Learning improved the policy.
    const initial = (jsonLine(learner, 'start')['initialEval'] as { meanReturn: number })
      .meanReturn;
    const final = (done['finalEval'] as { meanReturn: number }).meanReturn;
    const lagP99 = Math.max(...updates.map((u) => u['lagP99'] as number));
    t.diagnostic(
      `eval ${initial.toFixed(2)} → ${final.toFixed(2)} in ${total} updates (lag p99 ≤ ${lagP99}, ${String(done['droppedStale'])} stale dropped)`,
    );
    assert.ok(final >= initial + MARGIN, `final eval ${final} against initial ${initial}`);

    // Counters consistent through the kill: one update per version, a batch each, no going back.
    assert.deepEqual(
      updates.map((u) => u['version']),
      Array.from({ length: total }, (_, i) => i + 1),
    );
    updates.forEach((u, i) => {
      assert.equal(u['transitions'], (i + 1) * BATCH, `transitions at version ${i + 1}`);
      assert.ok((u['lagP99'] as number) <= 20, 'a chunk beyond --max-lag was learned from');
    });
    // Both actors' chunks were learned from; the foreign ones never.
    const actors = jsonLine(learner, 'actors');
    const accepted = actors['accepted'] as Record<string, number>;
    assert.ok(
      (accepted['a1'] ?? 0) > 0 && (accepted['a2'] ?? 0) > 0,
      `${JSON.stringify(actors)} ${JSON.stringify(done)}\n${a2.tail()}`,
    );
    assert.equal(accepted['foreign'], undefined);
    // The late actor ended on the learner's last published version.
    assert.equal(jsonLine(a2, 'done')['version'], total);

    // The final checkpoint is whole and at the last version.
    const ckpt = loadCheckpoint(join(runDir, 'checkpoints'), { task: 'reacher-2dof' }, 'latest');
    assert.equal(ckpt.manifest.iteration, total);
    const state = ckpt.trainerState as { kind: string; learner: { version: number } };
    assert.equal(state.kind, 'fleet-learner');
    assert.equal(state.learner.version, total);
  });
});
