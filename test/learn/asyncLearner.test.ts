/**
 * The asynchronous learner: the V-trace batch it builds against one built by hand (eq. 1 of
 * Espeholt et al. 2018 in its sum form), offer outcomes and counters, lag quantiles, snapshots and
 * a bit-identical resume from exported state.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  OFF_POLICY_LEARNER_DEFAULTS,
  createOffPolicyLearner,
  histogramQuantile,
  type OffPolicyAlgorithmName,
} from '../../src/learn/asyncLearner.js';
import {
  SEGMENT_CUT,
  SEGMENT_TERMINATED,
  SEGMENT_TRUNCATED,
} from '../../src/learn/transitionSource.js';
import { buildVtraceBatch } from '../../src/learn/vtraceBatch.js';
import { Random } from '../../src/util/random.js';
import { IDENTITY, deliver, makeSegments, tinyNetworks } from './asyncLearnerHelpers.js';
import { useCpuBackend } from './helpers.js';

const close = (a: number, b: number, tol = 1e-6): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('V-trace batch of the asynchronous learner', () => {
  test('equals a hand-built batch: explicit ratios, truncation, bootstrap per segment end', () => {
    const { policy, value } = tinyNetworks(3);
    const gamma = 0.9;
    const rhoBar = 1.5;
    const cBar = 0.8;
    // Two deliveries: segments of 3 (TERMINATED), 2 (TRUNCATED) | 2 (CUT).
    const a = makeSegments([3, 2], [SEGMENT_TERMINATED, SEGMENT_TRUNCATED], 11);
    const b = makeSegments([2], [SEGMENT_CUT], 12);
    // Choose log μ so that the ratios π/μ are exactly these (log μ = log π − log ρ).
    const ratios = [2, 0.5, 1, 3, 0.25, 1.2, 0.7];
    const rows = [a, b];
    const logPi: number[] = [];
    for (const s of rows) {
      const lp = new Float64Array(s.size);
      policy.logProb(s.observations, s.actions, s.size, lp, policy.createWorkspace(s.size));
      logPi.push(...lp);
    }
    let k = 0;
    for (const s of rows)
      for (let i = 0; i < s.size; i++, k++)
        (s.behaviourLogProbs as Float64Array)[i] =
          (logPi[k] as number) - Math.log(ratios[k] as number);

    const vb = buildVtraceBatch(policy, value, rows, { gamma, rhoBar, cBar, correction: 'vtrace' });

    // By hand: V on every row and on each segment's final observation.
    const obs = [...a.observations, ...b.observations];
    const V = new Float64Array(7);
    value.predict(Float32Array.from(obs), 7, V, value.createWorkspace(7));
    const finals = [...a.finalObservations, ...b.finalObservations];
    const Vf = new Float64Array(3);
    value.predict(Float32Array.from(finals), 3, Vf, value.createWorkspace(3));
    const r = [...a.rewards, ...b.rewards];
    const segs: Array<[number, number, number]> = [
      [0, 3, 0], // TERMINATED: bootstrap 0
      [3, 5, Vf[1] as number], // TRUNCATED: V(final)
      [5, 7, Vf[2] as number], // CUT: V(final)
    ];
    const rho = ratios.map((x) => Math.min(rhoBar, x));
    const c = ratios.map((x) => Math.min(cBar, x));
    assert.deepEqual(rho, [1.5, 0.5, 1, 1.5, 0.25, 1.2, 0.7]);
    for (const [s0, s1, boot] of segs) {
      const valueAt = (t: number): number => (t < s1 ? (V[t] as number) : boot);
      // v_s = V(x_s) + Σ_{t=s}^{T−1} γ^{t−s} (Π_{i=s}^{t−1} c_i) δ_t V (eq. 1)
      const vs = (s: number): number => {
        if (s === s1) return boot;
        let sum = valueAt(s);
        let prod = 1;
        for (let t = s; t < s1; t++) {
          const delta =
            (rho[t] as number) * ((r[t] as number) + gamma * valueAt(t + 1) - valueAt(t));
          sum += gamma ** (t - s) * prod * delta;
          prod *= c[t] as number;
        }
        return sum;
      };
      for (let s = s0; s < s1; s++) {
        close(vb.batch.returns[s] as number, vs(s));
        close(vb.batch.advantages[s] as number, (r[s] as number) + gamma * vs(s + 1) - valueAt(s));
        close(vb.batch.weights?.[s] as number, rho[s] as number);
      }
    }
    assert.equal(vb.clipped, 2); // ratios 2 and 3 exceed ρ̄ = 1.5
    assert.equal(vb.batch.size, 7);
    assert.deepEqual(Array.from(vb.batch.obs), obs.map(Math.fround));
    assert.deepEqual(Array.from(vb.batch.actions), [...a.actions, ...b.actions].map(Math.fround));
    ratios.forEach((x, i) => close(Math.exp(vb.logRatios[i] as number), x, 1e-9));

    // No correction: ρ = c = 1, so v_s is the discounted return to the bootstrap.
    const none = buildVtraceBatch(policy, value, rows, { gamma, rhoBar, cBar, correction: 'none' });
    close(
      none.batch.returns[0] as number,
      (r[0] as number) + gamma * (r[1] as number) + gamma ** 2 * (r[2] as number),
    );
    close(
      none.batch.returns[3] as number,
      (r[3] as number) + gamma * (r[4] as number) + gamma ** 2 * (Vf[1] as number),
    );
    assert.ok(Array.from(none.batch.weights ?? []).every((w) => w === 1));
  });
});

describe('offer and the bounded queue', () => {
  const make = (over: Record<string, number> = {}) => {
    const { policy, value } = tinyNetworks(1);
    return createOffPolicyLearner({
      policy,
      value,
      identity: IDENTITY,
      rng: new Random(1),
      batchSize: 4,
      maxLag: 2,
      queueCapacity: 8,
      trpo: { criticEpochs: 1, criticBatchSize: 4 },
      ...over,
    });
  };

  test('refuses another robot or task and malformed segments; counts them', () => {
    const L = make();
    assert.equal(
      L.offer(deliver(makeSegments([2], [SEGMENT_CUT], 1), 0, { ...IDENTITY, task: 'other' })),
      'refused',
    );
    assert.match(L.lastRefusal ?? '', /task 'other'/);
    assert.equal(
      L.offer(deliver(makeSegments([2], [SEGMENT_CUT], 1), 0, { ...IDENTITY, jointNames: ['x'] })),
      'refused',
    );
    const nan = makeSegments([2], [SEGMENT_CUT], 1);
    (nan.rewards as Float64Array)[1] = Number.NaN;
    assert.equal(L.offer(deliver(nan)), 'refused');
    assert.match(L.lastRefusal ?? '', /rewards\[1\] = NaN/);
    const badBounds = { ...makeSegments([2], [SEGMENT_CUT], 1), bounds: Int32Array.from([0, 3]) };
    assert.equal(L.offer(deliver(badBounds)), 'refused');
    const badEnd = { ...makeSegments([2], [SEGMENT_CUT], 1), segmentEnds: Uint8Array.from([7]) };
    assert.equal(L.offer(deliver(badEnd)), 'refused');
    const short = { ...makeSegments([2], [SEGMENT_CUT], 1), actions: new Float64Array(1) };
    assert.equal(L.offer(deliver(short)), 'refused');
    const det = { ...makeSegments([2], [SEGMENT_CUT], 1), deterministic: Uint8Array.from([0, 1]) };
    assert.equal(L.offer(deliver(det)), 'refused');
    assert.equal(L.offer(deliver(makeSegments([9], [SEGMENT_CUT], 1))), 'refused'); // > capacity
    assert.equal(L.stats().refused, 8);
    assert.equal(L.stats().queuedTransitions, 0);
  });

  test('stale deliveries are dropped at offer and again when an update takes them', async () => {
    await useCpuBackend();
    const L = make();
    assert.equal(L.offer(deliver(makeSegments([4], [SEGMENT_CUT], 1, 0))), 'queued');
    assert.equal(L.offer(deliver(makeSegments([4], [SEGMENT_CUT], 2, 0))), 'queued');
    assert.ok(L.step());
    assert.ok(L.step()); // version 2 now; the second delivery was lag 1 when taken
    assert.equal(L.version, 2);
    assert.equal(L.offer(deliver(makeSegments([4], [SEGMENT_CUT], 3, 0))), 'queued'); // lag 2 = maxLag
    assert.equal(L.offer(deliver(makeSegments([2, 2], [SEGMENT_CUT, SEGMENT_CUT], 4))), 'queued');
    assert.ok(L.step()); // takes the lag-2 one: version 3
    // The queued one (version 0) is now lag 3 > maxLag: dropped when the next update dequeues it.
    assert.equal(L.step(), null);
    assert.equal(L.stats().droppedStale, 1);
    assert.equal(L.stats().queuedTransitions, 0);
    assert.equal(L.offer(deliver(makeSegments([4], [SEGMENT_CUT], 5, 0))), 'stale');
    const s = L.stats();
    assert.equal(s.droppedStale, 2);
    assert.equal(s.updates, 3);
    assert.equal(s.transitions, 12);
    // Lags learned from: 4 transitions at 0, 4 at 1, 4 at 2.
    assert.equal(s.lagP50, 1);
    assert.equal(s.lagP99, 2);
  });

  test('a full queue drops the oldest deliveries first', () => {
    const L = make();
    const d = [3, 3, 2, 4].map((n, i) => makeSegments([n], [SEGMENT_CUT], 10 + i, 0));
    assert.equal(L.offer(deliver(d[0]!)), 'queued');
    assert.equal(L.offer(deliver(d[1]!)), 'queued');
    assert.equal(L.offer(deliver(d[2]!)), 'queued'); // 8 = capacity
    assert.equal(L.offer(deliver(d[3]!)), 'queued-dropped-oldest'); // drops 3 and 3
    assert.equal(L.stats().droppedFull, 2);
    assert.equal(L.stats().queuedTransitions, 6);
  });

  test('step does nothing below a batch', () => {
    const L = make();
    L.offer(deliver(makeSegments([3], [SEGMENT_CUT], 1)));
    const before = L.snapshot();
    assert.equal(L.step(), null);
    assert.equal(L.version, 0);
    assert.deepEqual(L.snapshot().policyParams, before.policyParams);
  });

  test('defaults are frozen; bad options are refused naming the key and value', () => {
    assert.ok(Object.isFrozen(OFF_POLICY_LEARNER_DEFAULTS));
    assert.deepEqual(
      { ...OFF_POLICY_LEARNER_DEFAULTS },
      {
        algorithm: 'trpo',
        gamma: 0.99,
        rhoBar: 1,
        cBar: 1,
        correction: 'vtrace',
        batchSize: 2048,
        maxLag: 20,
        queueCapacity: 8192,
      },
    );
    assert.equal(
      make({ batchSize: 100, queueCapacity: undefined as never }).config.queueCapacity,
      400,
    );
    assert.throws(() => make({ rhoBar: 0 }), /rhoBar 0 and cBar 1 must be > 0/);
    assert.throws(() => make({ maxLag: -1 }), /maxLag -1 must be a non-negative integer/);
    assert.throws(() => make({ queueCapacity: 2 }), /queueCapacity 2 is below batchSize 4/);
    assert.throws(() => make({ gamma: 1.5 }), /gamma 1.5 not in \[0, 1\]/);
  });

  test('histogram quantiles', () => {
    assert.equal(histogramQuantile([], 0.5), 0);
    assert.equal(histogramQuantile([10, 0, 0, 1], 0.5), 0);
    assert.equal(histogramQuantile([10, 0, 0, 1], 0.99), 3);
    assert.equal(histogramQuantile([1, 1, 1, 1], 0.5), 1);
    assert.equal(histogramQuantile([0, 0, 5], 0.01), 2);
  });
});

describe('updates, snapshots and resume', () => {
  before(useCpuBackend);

  for (const algorithm of ['trpo', 'impala'] as OffPolicyAlgorithmName[]) {
    test(`${algorithm}: a learner restored from exported state makes the bit-identical next update`, () => {
      const build = () => {
        const nets = tinyNetworks(5, true);
        return {
          ...nets,
          learner: createOffPolicyLearner({
            ...nets,
            identity: IDENTITY,
            rng: new Random(9),
            algorithm,
            batchSize: 6,
            trpo: { criticEpochs: 2, criticBatchSize: 3, fisherSubsample: 0.5 },
          }),
        };
      };
      const A = build();
      const v0 = A.learner.snapshot();
      A.learner.offer(deliver(makeSegments([4, 2], [SEGMENT_TERMINATED, SEGMENT_CUT], 21)));
      A.learner.offer(deliver(makeSegments([6], [SEGMENT_TRUNCATED], 22, 0, Array(6).fill(-0.5))));
      assert.ok(A.learner.step());
      assert.ok(A.learner.step());
      const snap = A.learner.snapshot();
      assert.equal(snap.version, 2);
      assert.notDeepEqual(snap.policyParams, v0.policyParams);
      assert.ok(snap.normalizerCount > v0.normalizerCount); // the normaliser merged 12 observations
      snap.policyParams[0] = 123; // a copy
      assert.notEqual(A.policy.params[0], 123);
      // Checkpoint: networks (with the normaliser) + learner state through JSON.
      const state = JSON.parse(JSON.stringify(A.learner.exportState()));
      const policyParams = A.policy.exportParameters();
      const valueParams = A.value.exportParameters();

      const B = build();
      B.policy.importParameters(policyParams);
      B.value.importParameters(valueParams);
      B.learner.restoreState(state);
      assert.deepEqual(B.learner.stats(), { ...A.learner.stats() });
      for (const L of [A.learner, B.learner]) {
        L.offer(deliver(makeSegments([3, 3], [SEGMENT_CUT, SEGMENT_TERMINATED], 23, 1)));
        assert.ok(L.step());
      }
      assert.deepEqual(B.policy.params, A.policy.params);
      assert.deepEqual(B.value.params, A.value.params);
      assert.equal(B.learner.version, 3);
    });
  }
});
