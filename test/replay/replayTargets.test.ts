/**
 * replayTargets: the per-mode weights and advantages the learner feeds TRPO, on a tiny policy and
 * hand-made episodes, checked against the pure estimators and identities.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GaussianPolicy, ValueNetwork } from '../../src/policy/index.js';
import { discountedReturns, vtrace } from '../../src/replay/offPolicyReturns.js';
import type { ReplayData } from '../../src/replay/replayData.js';
import { ReplayDataBuilder } from '../../src/replay/replayData.js';
import { normalisedObservations, replayTargets } from '../../src/replay/replayUpdate.js';
import type { Episode } from '../../src/replay/types.js';
import { Random } from '../../src/util/random.js';

const OBS = 2;
const ACT = 1;

function setup(offsetLogProb: number): {
  policy: GaussianPolicy;
  value: ValueNetwork;
  data: ReplayData;
  obs: Float32Array;
  finalObs: Float32Array;
} {
  const rng = new Random(4);
  const policy = new GaussianPolicy(
    { obsSize: OBS, actionSize: ACT, normalizeObs: false },
    rng.fork(),
  );
  const value = new ValueNetwork({ obsSize: OBS }, rng.fork());
  const builder = new ReplayDataBuilder();
  for (const [e, length, terminated] of [
    [0, 3, false],
    [1, 2, true],
  ] as const) {
    const observations = Float64Array.from({ length: length * OBS }, (_, i) => Math.sin(i + 3 * e));
    const actions = Float64Array.from({ length }, (_, i) => 0.3 * i - 0.2 * e);
    // Behaviour log-probs = the target's own log-probs minus an offset, so log ρ = offset.
    const lp = new Float64Array(length);
    policy.logProb(Float32Array.from(observations), actions, length, lp);
    const ep: Episode = {
      source: 'mem',
      episodeIndex: e,
      checkpointId: 'b',
      task: 'toy',
      jointNames: ['j'],
      length,
      obsSize: OBS,
      actionSize: ACT,
      observations,
      actions,
      means: new Float64Array(length),
      logStds: new Float64Array(length),
      behaviourLogProbs: lp.map((x) => x - offsetLogProb),
      deterministic: new Uint8Array(length),
      rewards: Float64Array.from({ length }, (_, i) => 1 + i + e),
      terminated,
      truncated: !terminated,
      finalObservation: Float64Array.from([0.5, -0.5]),
    };
    builder.add(ep);
  }
  const data = builder.build();
  const obs = normalisedObservations(policy, data.observations, data.size);
  const finalObs = normalisedObservations(policy, data.finalObservations, 2);
  return { policy, value, data, obs, finalObs };
}

describe('replayTargets', () => {
  test('on-policy data: every estimator has weights 1 and advantages G − V', () => {
    const { policy, value, data, obs, finalObs } = setup(0);
    const v = new Float64Array(data.size);
    value.predict(obs, data.size, v);
    const vEnd = new Float64Array(2);
    value.predict(finalObs, 2, vEnd);
    const bootstrap = [vEnd[0] as number, 0]; // episode 0 truncated, episode 1 terminated
    const g = discountedReturns(data.rewards, data.bounds, 0.9, bootstrap);
    for (const weights of ['per-decision', 'self-normalised', 'trajectory', 'truncated'] as const) {
      const t = replayTargets(policy, value, data, obs, finalObs, { weights, gamma: 0.9 });
      for (let i = 0; i < data.size; i++) {
        assert.ok(
          Math.abs((t.weights[i] as number) - 1) < 1e-6,
          `${weights} weight ${t.weights[i]}`,
        );
        if (weights !== 'truncated')
          assert.ok(
            Math.abs((t.advantages[i] as number) - ((g[i] as number) - (v[i] as number))) < 1e-5,
          );
        // V-trace targets on-policy are the discounted returns.
        assert.ok(Math.abs((t.returns[i] as number) - (g[i] as number)) < 1e-5);
      }
      assert.ok(Math.abs(t.stats.ess - data.size) < 1e-6);
    }
  });

  test('log ρ = ln 2 per step: products per estimator, truncation to ρ̄, V-trace advantages', () => {
    const { policy, value, data, obs, finalObs } = setup(Math.LN2);
    const pd = replayTargets(policy, value, data, obs, finalObs, { weights: 'per-decision' });
    const tr = replayTargets(policy, value, data, obs, finalObs, { weights: 'trajectory' });
    const sn = replayTargets(policy, value, data, obs, finalObs, { weights: 'self-normalised' });
    const tc = replayTargets(policy, value, data, obs, finalObs, {
      weights: 'truncated',
      rhoBar: 1.5,
      cBar: 1,
    });
    const close = (a: ArrayLike<number>, b: number[]): void =>
      b.forEach((x, i) =>
        assert.ok(
          Math.abs((a[i] as number) - x) < 1e-5 * Math.max(1, Math.abs(x)),
          `${a[i]} vs ${x}`,
        ),
      );
    close(pd.weights, [2, 4, 8, 2, 4]);
    close(tr.weights, [8, 8, 8, 4, 4]);
    close(
      sn.weights,
      [2, 4, 8, 2, 4].map((w) => (5 * w) / 20),
    );
    close(tc.weights, [1.5, 1.5, 1.5, 1.5, 1.5]);
    assert.equal(tc.stats.clippedFraction, 1);
    // Truncated advantages are V-trace's r + γ v_{s+1} − V(s) with ρ = 1.5, c = 1.
    const v = new Float64Array(data.size);
    value.predict(obs, data.size, v);
    const vEnd = new Float64Array(2);
    value.predict(finalObs, 2, vEnd);
    const ref = vtrace(
      data.rewards,
      v,
      new Float64Array(5).fill(1.5),
      new Float64Array(5).fill(1),
      data.bounds,
      0.99,
      [vEnd[0] as number, 0],
    );
    close(tc.advantages, Array.from(ref.advantages));
  });

  test('weights that overflow are refused with advice', () => {
    const { policy, value, data, obs, finalObs } = setup(300);
    assert.throws(
      () => replayTargets(policy, value, data, obs, finalObs, { weights: 'trajectory' }),
      /trajectory importance weight of transition 0 is Infinity .*use --weights truncated or self-normalised/,
    );
    const sn = replayTargets(policy, value, data, obs, finalObs, { weights: 'self-normalised' });
    assert.ok(Array.from(sn.weights).every(Number.isFinite));
  });
});
