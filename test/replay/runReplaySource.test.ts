/**
 * `replay` takes its experience through the learning seam: a spy wrapped around the bag source
 * (RunReplayOptions.wrapSource) sees every episode the summary counts, and a source that holds
 * back an episode changes what replay learns from (it has no other way to the bags). Its update is
 * learn's `Algorithm` (the TRPO entry), the interface `train` updates through: the same numbers as
 * trpoUpdate on a bare update context.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { createAlgorithm, createUpdateContext } from '../../src/learn/index.js';
import {
  loadCheckpoint,
  policyFromCheckpoint,
  valueFromCheckpoint,
} from '../../src/policy/checkpoint.js';
import { BagTransitionSource } from '../../src/replay/bagTransitionSource.js';
import type { BagDelivery, BagSource } from '../../src/replay/bagTransitionSource.js';
import { ReplayDataBuilder } from '../../src/replay/replayData.js';
import { replayUpdate } from '../../src/replay/replayUpdate.js';
import { Random } from '../../src/util/random.js';
import { EpisodeRecorder } from '../../src/replay/episodeRecorder.js';
import { runReplay } from '../../src/replay/runReplay.js';
import { JOINTS, OBS_SIZE, saveFreshCheckpoint, syntheticSteps, tempDir } from './helpers.js';

const tmp = tempDir('torquepilot-replay-source-');
const bag = join(tmp, 'bag');
const ck = join(tmp, 'ck');

before(async () => {
  const rec = await EpisodeRecorder.create(bag, {
    task: 'toy',
    jointNames: JOINTS,
    checkpointId: 'toy-behaviour',
    obsSize: OBS_SIZE,
  });
  for (const s of syntheticSteps(4, 41, 1_000_000_000n, false)) await rec.writeStep(s);
  await rec.close();
  saveFreshCheckpoint(ck, { task: 'toy', jointNames: JOINTS, obsSize: OBS_SIZE, seed: 4 });
});

/** A wrapper that records what passes and drops deliveries for which `drop` is true. */
function spy(seen: BagDelivery[], drop: (d: BagDelivery) => boolean = () => false) {
  return (inner: BagSource): BagSource => ({
    kind: inner.kind,
    next: async () => {
      for (let d = await inner.next(); d !== null; d = await inner.next()) {
        seen.push(d);
        if (!drop(d)) return d;
      }
      return null;
    },
    close: () => inner.close(),
    reports: () => inner.reports(),
  });
}

test('replay learns from exactly the deliveries of its bag source', async () => {
  const seen: BagDelivery[] = [];
  const summary = await runReplay({
    bags: [bag],
    checkpoint: ck,
    out: join(tmp, 'out'),
    wrapSource: spy(seen),
  });
  assert.equal(seen.length, 4);
  assert.equal(summary.episodes, 4);
  assert.equal(
    summary.transitions,
    seen.reduce((n, d) => n + d.segments.size, 0),
  );
  assert.deepEqual(summary.behaviourCheckpointIds, ['toy-behaviour']);
});

test('an episode the source holds back is not learned from', async () => {
  const seen: BagDelivery[] = [];
  const summary = await runReplay({
    bags: [bag],
    checkpoint: ck,
    out: join(tmp, 'out-dropped'),
    wrapSource: spy(seen, (d) => d.sequence === 1),
  });
  assert.equal(seen.length, 4);
  assert.equal(summary.episodes, 3);
  assert.equal(summary.transitions, 3 + 5 + 6); // episodes of 3, (4 dropped), 5, 6 steps
});

test('the replay update through a trpo Algorithm equals trpoUpdate on a bare context', async () => {
  const builder = new ReplayDataBuilder();
  const source = new BagTransitionSource({ bags: [bag], maxTransitions: 9 });
  for (let d = await source.next(); d !== null; d = await source.next()) builder.addDelivery(d);
  const data = builder.build();
  assert.equal(data.bounds.length - 1, 4);
  const run = (viaAlgorithm: boolean) => {
    const c = loadCheckpoint(ck);
    const policy = policyFromCheckpoint(c);
    const value = valueFromCheckpoint(c)!;
    const rng = new Random(9);
    const updater = viaAlgorithm
      ? createAlgorithm('trpo', policy, value, {}, rng)
      : createUpdateContext(policy, value, rng);
    const r = replayUpdate(policy, value, data, updater, { iterations: 2 });
    // Everything but the step timings.
    const iterations = r.iterations.map((it) => ({
      ...it,
      trpo: { ...it.trpo, policyStepMs: 0, valueFitMs: 0 },
    }));
    return {
      r: { ...r, iterations },
      policy: Array.from(policy.params),
      value: Array.from(value.params),
    };
  };
  const a = run(true);
  const b = run(false);
  assert.deepEqual(a, b);
  assert.ok(a.r.kl > 0, 'the policy moved');
  const c = loadCheckpoint(ck);
  const policy = policyFromCheckpoint(c);
  const value = valueFromCheckpoint(c)!;
  assert.throws(
    () =>
      replayUpdate(policy, value, data, createAlgorithm('ppo', policy, value, {}, new Random(1))),
    /replayUpdate: the importance-weighted step is TRPO's; got algorithm 'ppo' \(use trpo or npg\)/,
  );
});
