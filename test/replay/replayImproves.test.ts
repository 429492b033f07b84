/**
 * Replay improves a policy: episodes logged by a reacher-2dof policy (simulated, stochastic) are
 * replayed into the same policy with importance-weighted TRPO steps, and the DETERMINISTIC
 * evaluation return on fixed seeds goes up. Small budget: 60 episodes (3000 transitions), 5
 * iterations.
 *
 * The behaviour policy starts with σ = exp(−1.5) ≈ 0.22: reacher's reward −‖d‖ − ‖a‖² makes the
 * control-cost noise of σ = 1 swamp the distance signal at this sample size.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeEnv, taskSpec } from '../../sim/index.js';
import { loadCheckpoint, policyFromCheckpoint } from '../../src/policy/checkpoint.js';
import { BagEpisodeReader } from '../../src/replay/bagEpisodeReader.js';
import { recordSimulatedEpisodes } from '../../src/replay/recordSimulation.js';
import type { ReplaySummary } from '../../src/replay/runReplay.js';
import { evaluatePolicy } from '../../src/train/evaluate.js';
import { runCliSync, saveFreshCheckpoint, tempDir } from './helpers.js';

const tmp = tempDir('torquepilot-replay-improves-');

test('replaying logged reacher-2dof episodes improves the deterministic evaluation return', async () => {
  const spec = await taskSpec('reacher-2dof');
  const before = join(tmp, 'ck-before');
  saveFreshCheckpoint(before, {
    task: 'reacher-2dof',
    jointNames: spec.jointNames,
    obsSize: spec.obsSize,
    seed: 7,
    policyOptions: { actionSize: spec.actionSize, normalizeObs: false, logStdInit: -1.5 },
  });
  const bag = join(tmp, 'bag');
  const rec = await recordSimulatedEpisodes(before, bag, {
    episodes: 60,
    seed: 1,
    startTimeNs: 0n,
  });
  assert.equal(rec.transitions, 60 * spec.horizon);

  // The bag carries the behaviour policy's id and is read back whole.
  const reader = await BagEpisodeReader.open(bag);
  let episodes = 0;
  for await (const ep of reader.episodes()) {
    assert.equal(ep.checkpointId, rec.checkpointId);
    episodes++;
  }
  assert.equal(episodes, 60);

  // Through the command, as a user runs it.
  const afterDir = join(tmp, 'ck-after');
  const cli = runCliSync([
    'replay',
    '--bag',
    bag,
    '--checkpoint',
    before,
    '--out',
    afterDir,
    '--weights',
    'truncated',
    '--iterations',
    '5',
    '--json',
  ]);
  assert.equal(cli.status, 0, cli.stderr);
  const summary = JSON.parse(cli.stdout) as ReplaySummary;
  for (const key of [
    'transitions',
    'episodes',
    'skippedEpisodes',
    'ess',
    'maxWeight',
    'meanWeight',
    'clippedFraction',
    'kl',
    'surrogateBefore',
    'surrogateAfter',
  ] as const)
    assert.equal(typeof summary[key], 'number', `--json key ${key}`);
  assert.equal(summary.transitions, rec.transitions);
  assert.equal(summary.skippedEpisodes, 0);
  assert.equal(summary.clippedFraction, 0);
  // Replaying its own data, the first iteration's weights are all 1 (up to float32 round-off).
  assert.ok(Math.abs(summary.ess - rec.transitions) < 1e-6 * rec.transitions);
  assert.ok(summary.kl > 0 && summary.surrogateAfter > summary.surrogateBefore);
  for (const it of summary.iterations) assert.ok(it.kl <= 0.01 + 1e-9, `iteration KL ${it.kl} > δ`);

  const env = await makeEnv('reacher-2dof');
  try {
    const evaluate = (dir: string): number =>
      evaluatePolicy(env, policyFromCheckpoint(loadCheckpoint(dir)), {
        episodes: 20,
        deterministic: true,
        seed: 5,
      }).meanReturn;
    const returnBefore = evaluate(before);
    const returnAfter = evaluate(afterDir);
    assert.ok(
      returnAfter > returnBefore + 0.5,
      `deterministic return ${returnBefore.toFixed(3)} → ${returnAfter.toFixed(3)} did not improve`,
    );
  } finally {
    env.close();
  }
});
