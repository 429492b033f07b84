/**
 * The learner's per-update shortcuts give the numbers the long way gives:
 *   - a V-trace batch built on a VtraceWorkspace kept between updates (a larger batch first, then a
 *     smaller one) equals, bit for bit, one built on fresh arrays;
 *   - its `values` are V(obs) of the critic on the batch's float32 observations;
 *   - fitCritic given those values (TransitionBatch.values) reports the same explained variance
 *     and loss before fitting, and fits the same parameters, as fitCritic computing them itself;
 *   - the closed forms of eq. 1 still hold with ρ = c = 1 (the discounted return).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adam } from '../../src/learn/adam.js';
import { fitCritic } from '../../src/learn/critic.js';
import { explainedVariance } from '../../src/learn/estimators.js';
import { SEGMENT_TERMINATED, SEGMENT_TRUNCATED } from '../../src/learn/transitionSource.js';
import type { TrajectorySegments } from '../../src/learn/transitionSource.js';
import { VtraceWorkspace, buildVtraceBatch } from '../../src/learn/vtraceBatch.js';
import { Random } from '../../src/util/random.js';
import { makeSegments, tinyNetworks } from './asyncLearnerHelpers.js';

const OPTIONS = { gamma: 0.9, rhoBar: 1, cBar: 1, correction: 'vtrace' } as const;

function withBehaviour(s: TrajectorySegments, seed: number): TrajectorySegments {
  const rng = new Random(seed);
  const logMu = Float64Array.from(s.behaviourLogProbs, () => -1 + 0.3 * rng.normal());
  const mean = Float64Array.from({ length: s.size * s.actionSize }, () => rng.normal());
  const logStd = new Float64Array(s.size * s.actionSize).fill(-0.5);
  return { ...s, behaviourLogProbs: logMu, behaviourMeans: mean, behaviourLogStds: logStd };
}

function asArrays(b: ReturnType<typeof buildVtraceBatch>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(b.batch))
    if (ArrayBuffer.isView(v)) out[k] = Array.from(v as Float32Array);
  out['logRatios'] = Array.from(b.logRatios);
  out['clipped'] = [b.clipped];
  out['meanRho'] = [b.meanRho];
  return out;
}

describe('VtraceWorkspace', () => {
  test('a workspace kept between batches gives the same batch, bit for bit, as fresh arrays', () => {
    const { policy, value } = tinyNetworks(5, true);
    const big = [
      withBehaviour(makeSegments([5, 4], [SEGMENT_TERMINATED, SEGMENT_TRUNCATED], 21), 1),
      withBehaviour(makeSegments([6], [SEGMENT_TRUNCATED], 22), 2),
    ];
    const small = [
      withBehaviour(makeSegments([3, 2], [SEGMENT_TRUNCATED, SEGMENT_TERMINATED], 23), 3),
    ];
    policy.updateNormalizer(big[0]?.observations ?? [], 9);
    const ws = new VtraceWorkspace();
    for (const parts of [big, small, big]) {
      const kept = asArrays(buildVtraceBatch(policy, value, parts, OPTIONS, ws));
      const fresh = asArrays(buildVtraceBatch(policy, value, parts, OPTIONS));
      assert.deepEqual(kept, fresh);
      const n = parts.reduce((a, p) => a + p.size, 0);
      assert.equal(kept['obs']?.length, n * 2);
      assert.equal(kept['values']?.length, n);
    }
  });

  test('values are V of the float32 observations; on-policy targets are discounted returns', () => {
    const { policy, value } = tinyNetworks(6);
    const s = makeSegments([4], [SEGMENT_TERMINATED], 31);
    const lp = new Float64Array(s.size);
    policy.logProb(s.observations, s.actions, s.size, lp, policy.createWorkspace(s.size));
    const parts = [{ ...s, behaviourLogProbs: lp }];
    const vb = buildVtraceBatch(policy, value, parts, OPTIONS, new VtraceWorkspace());
    const v = new Float64Array(4);
    value.predict(Float32Array.from(s.observations), 4, v, value.createWorkspace(4));
    assert.deepEqual(Array.from(vb.batch.values ?? []), Array.from(v));
    // ρ = c = 1 (π = μ): v_s = Σ_t γ^{t−s} r_t to the terminal step.
    const r = Array.from(s.rewards);
    const g = OPTIONS.gamma;
    const ret0 =
      (r[0] as number) +
      g * (r[1] as number) +
      g ** 2 * (r[2] as number) +
      g ** 3 * (r[3] as number);
    assert.ok(
      Math.abs((vb.batch.returns[0] as number) - ret0) <= 1e-5 * Math.max(1, Math.abs(ret0)),
    );
  });
});

describe('fitCritic with the values the batch carries', () => {
  test('same explained variance, loss before and fitted parameters as computing them itself', () => {
    const { policy, value } = tinyNetworks(7);
    const parts = [makeSegments([9, 7], [SEGMENT_TERMINATED, SEGMENT_TRUNCATED], 41)];
    const vb = buildVtraceBatch(policy, value, parts, OPTIONS);
    const b = vb.batch;
    const config = { criticEpochs: 2, criticBatchSize: 5, criticLearningRate: 1e-2 };
    const run = (values?: Float64Array) => {
      const { value: v } = tinyNetworks(7);
      const stats = fitCritic(
        v,
        new Adam(v.numParams),
        b.obs,
        b.returns,
        b.size,
        new Random(1),
        config,
        values,
      );
      return { stats, params: Array.from(v.params) };
    };
    const itself = run();
    const given = run(b.values);
    assert.deepEqual(given, itself);
    // And against the definitions, on V computed here.
    const v = new Float64Array(b.size);
    value.predict(b.obs, b.size, v, value.createWorkspace(b.size));
    assert.equal(itself.stats.explainedVariance, explainedVariance(v, b.returns, b.size));
    let mse = 0;
    for (let i = 0; i < b.size; i++) mse += ((v[i] as number) - (b.returns[i] as number)) ** 2;
    assert.ok(Math.abs(itself.stats.valueLossBefore - mse / b.size) <= 1e-12 * Math.max(1, mse));
  });
});
