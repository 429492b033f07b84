/**
 * `replay` through the learning seam (BagTransitionSource) is bit-identical to replay before the
 * seam (issue 17). The expected hashes below are the one place where a recorded value is the ground
 * truth: they were produced by the PRE-SEAM code, commit 2f51111 (s4-base, where runReplay read
 * the bags straight into ReplayDataBuilder), by running this very file there with GOLDEN_PRINT=1.
 *
 * What is hashed (sha256 of one canonical JSON text): the sha256 of every parameter file of the
 * output checkpoint (its manifest's list), its normaliser and summary, and the replay summary with
 * the temporary paths removed (every number written with JavaScript's shortest round-trip form, so
 * a changed last bit changes the hash).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { taskSpec } from '../../sim/index.js';
import { loadCheckpoint } from '../../src/policy/checkpoint.js';
import { EpisodeRecorder } from '../../src/replay/episodeRecorder.js';
import { recordSimulatedEpisodes } from '../../src/replay/recordSimulation.js';
import { runReplay } from '../../src/replay/runReplay.js';
import type { RunReplayOptions } from '../../src/replay/runReplay.js';
import type { RecordedStep } from '../../src/replay/types.js';
import { JOINTS, OBS_SIZE, saveFreshCheckpoint, syntheticSteps, tempDir } from './helpers.js';

const tmp = tempDir('torquepilot-replay-golden-');
const toyCk = join(tmp, 'toy-ck');
const reacherCk = join(tmp, 'reacher-ck');

async function writeBag(dir: string, list: readonly RecordedStep[]): Promise<void> {
  const rec = await EpisodeRecorder.create(dir, {
    task: 'toy',
    jointNames: JOINTS,
    checkpointId: 'toy-behaviour',
    obsSize: OBS_SIZE,
  });
  for (const s of list) await rec.writeStep(s);
  await rec.close();
}

before(async () => {
  await writeBag(join(tmp, 'toy-a'), syntheticSteps(5, 21, 1_000_000_000n, false));
  await writeBag(join(tmp, 'toy-b'), syntheticSteps(4, 22, 1_000_000_000n, false));
  // Every third step with the mean action: only the critic-only replay takes it.
  await writeBag(
    join(tmp, 'toy-mixed'),
    syntheticSteps(6, 23, 1_000_000_000n, false).map((s, i) =>
      i % 3 === 0 ? { ...s, action: s.mean, logProb: -1, deterministic: true } : s,
    ),
  );
  saveFreshCheckpoint(toyCk, { task: 'toy', jointNames: JOINTS, obsSize: OBS_SIZE, seed: 4 });
  const spec = await taskSpec('reacher-2dof');
  saveFreshCheckpoint(reacherCk, {
    task: 'reacher-2dof',
    jointNames: spec.jointNames,
    obsSize: spec.obsSize,
    seed: 7,
    policyOptions: { actionSize: spec.actionSize, logStdInit: -1.5 },
  });
  await recordSimulatedEpisodes(reacherCk, join(tmp, 'reacher-bag'), {
    episodes: 4,
    seed: 1,
    startTimeNs: 0n,
  });
});

/** Replay per `options` into `<tmp>/<name>` and hash the result (see the module comment). */
async function replayHash(
  name: string,
  options: Omit<RunReplayOptions, 'out' | 'bags'> & { bags: readonly string[] },
): Promise<string> {
  const out = join(tmp, name);
  const summary = await runReplay({ ...options, bags: options.bags.map((b) => join(tmp, b)), out });
  const ck = loadCheckpoint(out);
  const files = Object.fromEntries(
    Object.entries(ck.manifest.files).map(([k, f]) => [k, f.sha256]),
  );
  const text = JSON.stringify({
    files,
    normalizer: ck.policy.normalizer ?? null,
    ckSummary: ck.manifest.summary ?? null,
    iteration: ck.manifest.iteration,
    summary: {
      ...summary,
      checkpoint: undefined,
      bags: summary.bags.map((b) => ({ ...b, source: undefined })),
    },
  });
  const hash = createHash('sha256').update(text).digest('hex');
  if (process.env['GOLDEN_PRINT'] === '1') console.log(`GOLDEN ${name} ${hash}`);
  return hash;
}

// Recorded from commit 2f51111 (pre-seam replay) with GOLDEN_PRINT=1.
const GOLDEN = {
  toyTruncated: 'e54f120a5c762767e4bae819be65e1a7bcfd5fdddbf88ad3e5f42fe7d64ac80a',
  toyPerDecision: 'fa24675f1a07162b37fca99b606c13deb626b681eddd596d999458b10e23f4e9',
  toyCriticOnly: '8b713e5f3f55fc94ddf28903ddd79c4081aae8a15f69d68da37c2d2a7241cf22',
  reacherTruncated: '51610c21c83b43902f512e2a36d7c72e004c266115a7dbed71dd2365da740c85',
} as const;

test('replay through the seam equals pre-seam replay: two bags, V-trace weights, 3 iterations', async () => {
  const h = await replayHash('toyTruncated', {
    bags: ['toy-a', 'toy-b'],
    checkpoint: toyCk,
    config: { weights: 'truncated', iterations: 3 },
    seed: 5,
  });
  assert.equal(h, GOLDEN.toyTruncated);
});

test('replay through the seam equals pre-seam replay: per-decision weights', async () => {
  const h = await replayHash('toyPerDecision', {
    bags: ['toy-b', 'toy-a'],
    checkpoint: toyCk,
    config: { weights: 'per-decision', iterations: 2, rhoBar: 2, cBar: 0.5 },
    seed: 6,
  });
  assert.equal(h, GOLDEN.toyPerDecision);
});

test('replay through the seam equals pre-seam replay: critic-only on deterministic steps', async () => {
  const h = await replayHash('toyCriticOnly', {
    bags: ['toy-mixed', 'toy-a'],
    checkpoint: toyCk,
    config: { iterations: 2 },
    criticOnly: true,
    seed: 7,
  });
  assert.equal(h, GOLDEN.toyCriticOnly);
});

test('replay through the seam equals pre-seam replay: simulated reacher-2dof episodes', async () => {
  const h = await replayHash('reacherTruncated', {
    bags: ['reacher-bag'],
    checkpoint: reacherCk,
    config: { weights: 'truncated', iterations: 2 },
    seed: 8,
  });
  assert.equal(h, GOLDEN.reacherTruncated);
});
