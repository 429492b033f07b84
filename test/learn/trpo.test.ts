/**
 * TRPO pieces: conjugate gradient on a known SPD system (ground truth 3), the step length, the
 * line search's accept/restore rule, the measured KL after a natural-gradient step (ground truth
 * 4), and the plain-TS policy gradient against tfjs autodiff of the pseudo-loss.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NPG_DEFAULTS, TRPO_DEFAULTS, trpoPolicyStep, trpoUpdate } from '../../src/learn/trpo.js';
import {
  backtrackingLineSearch,
  conjugateGradient,
  fisherSubsample,
  maxStepLength,
} from '../../src/learn/naturalGradient.js';
import { createUpdateContext } from '../../src/learn/updateContext.js';
import { pseudoLossAndGradient } from '../../src/learn/surrogate.js';
import { policyGradientTf } from '../../src/learn/vpg.js';
import { klDiagonalGaussians } from '../../src/policy/index.js';
import { ValueNetwork } from '../../src/policy/value.js';
import type { GaussianPolicy } from '../../src/policy/policy.js';
import { Random } from '../../src/util/random.js';
import { randomArray, randomPolicy, relativeMaxError, useCpuBackend } from './helpers.js';

before(useCpuBackend);

function randomSpd(n: number, rng: Random): Float64Array {
  // A = Mᵀ M + 0.5 I is symmetric positive definite.
  const M = new Float64Array(n * n).map(() => rng.normal());
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += M[k * n + i]! * M[k * n + j]!;
      A[i * n + j] = s + (i === j ? 0.5 : 0);
    }
  }
  return A;
}

const matVec = (A: Float64Array, n: number) => (v: Float64Array, out: Float64Array) => {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j]! * v[j]!;
    out[i] = s;
  }
};

describe('conjugateGradient', () => {
  test('solves a random 20×20 SPD system to tolerance within n iterations', () => {
    const rng = new Random(7);
    const n = 20;
    const A = randomSpd(n, rng);
    const xTrue = new Float64Array(n).map(() => rng.normal());
    const b = new Float64Array(n);
    matVec(A, n)(xTrue, b);
    const { x, iterations, residual } = conjugateGradient(matVec(A, n), b, 60, 1e-20);
    assert.ok(iterations <= 60);
    assert.ok(residual < 1e-18, `residual ${residual}`);
    assert.ok(relativeMaxError(x, xTrue) < 1e-7, `error ${relativeMaxError(x, xTrue)}`);
  });

  test('a 2×2 system worked by hand converges in 2 steps', () => {
    // A = [[4, 1], [1, 3]], b = [1, 2] ⇒ x = A⁻¹b = [1/11, 7/11].
    const A = Float64Array.from([4, 1, 1, 3]);
    const { x, iterations } = conjugateGradient(matVec(A, 2), [1, 2], 10, 1e-24);
    assert.equal(iterations, 2);
    assert.ok(Math.abs(x[0]! - 1 / 11) < 1e-12 && Math.abs(x[1]! - 7 / 11) < 1e-12, `x = ${x}`);
  });

  test('stops at the iteration cap (15, as sb3-contrib) on a larger system', () => {
    const rng = new Random(8);
    const n = 40;
    const A = randomSpd(n, rng);
    const r = conjugateGradient(
      matVec(A, n),
      new Float64Array(n).fill(1),
      TRPO_DEFAULTS.cgIterations,
      1e-30,
    );
    assert.equal(r.iterations, 15);
  });
});

describe('maxStepLength and the line search', () => {
  test('β = sqrt(2δ / xᵀFx), so that ½ βx·F βx = δ', () => {
    const beta = maxStepLength(8, 0.01);
    assert.ok(Math.abs(beta - Math.sqrt(0.02 / 8)) < 1e-15);
    assert.ok(Math.abs(0.5 * beta * beta * 8 - 0.01) < 1e-15);
    assert.throws(() => maxStepLength(0, 0.01), /xᵀFx must be positive, got 0/);
  });

  test('accepts the first trial with KL ≤ δ and an improved surrogate; the fraction is 0.8^k', () => {
    const params = Float32Array.from([0, 0]);
    // KL grows with the step squared; surrogate improves for any positive step.
    const evaluate = (p: Float32Array) => ({ kl: p[0]! * p[0]!, surrogate: p[0]! });
    const r = backtrackingLineSearch(params, [1, 1], evaluate, 0, 0.5, 0.8, 10);
    // f = 1 (KL 1), 0.8 (0.64), 0.64 (0.4096 ≤ 0.5) ⇒ accepted on the 3rd trial.
    assert.equal(r.accepted, true);
    assert.equal(r.steps, 3);
    assert.ok(Math.abs(r.stepFraction - 0.64) < 1e-12);
    assert.ok(Math.abs(params[0]! - 0.64) < 1e-6);
  });

  test('restores the old parameters when no trial improves the surrogate', () => {
    const params = Float32Array.from([0.25, -1]);
    const r = backtrackingLineSearch(
      params,
      [1, 1],
      () => ({ kl: 0, surrogate: -1 }),
      0,
      0.01,
      0.8,
      10,
    );
    assert.equal(r.accepted, false);
    assert.equal(r.steps, 10);
    assert.deepEqual(Array.from(params), [0.25, -1]);
  });
});

function batchFor(policy: GaussianPolicy, n: number, seed: number, weighted = false) {
  const rng = new Random(seed);
  const obs = randomArray(n * policy.obsSize, rng);
  const actions = new Float32Array(n * policy.actionSize);
  policy.sample(obs, n, rng, actions);
  // Advantages correlated with the first action entry, so the gradient is informative.
  const advantages = new Float32Array(n).map(
    (_, i) => actions[i * policy.actionSize]! + 0.3 * rng.normal(),
  );
  const returns = new Float32Array(n).map(() => rng.normal());
  const weights = weighted
    ? new Float32Array(n).map(() => Math.exp(0.3 * rng.normal()))
    : undefined;
  return { size: n, obs, actions, advantages, returns, ...(weights ? { weights } : {}) };
}

function meanKl(
  policy: GaussianPolicy,
  before: Float32Array,
  obs: Float32Array,
  n: number,
): number {
  const a = policy.actionSize;
  const ws0 = policy.forward(obs, n, policy.createWorkspace(n), before);
  const m0 = ws0.mean.slice(0, n * a);
  const l0 = ws0.logStd.slice(0, n * a);
  const ws1 = policy.forward(obs, n, policy.createWorkspace(n));
  let kl = 0;
  for (let r = 0; r < n; r++) kl += klDiagonalGaussians(m0, l0, ws1.mean, ws1.logStd, a, r);
  return kl / n;
}

describe('natural-gradient steps respect the trust region', () => {
  for (const stateDependentStd of [false, true]) {
    test(`TRPO (stateDependentStd=${stateDependentStd}): measured mean KL ≤ δ and the surrogate improves`, () => {
      const policy = randomPolicy(
        { obsSize: 5, actionSize: 2, hiddenSizes: [16, 16], stateDependentStd },
        3,
      );
      const batch = batchFor(policy, 512, 4);
      for (const targetKl of [0.01, 0.001]) {
        const before = policy.params.slice();
        const s = trpoPolicyStep(policy, batch, new Random(1), { targetKl, fisherSubsample: 1 });
        assert.equal(s.accepted, true);
        const kl = meanKl(policy, before, batch.obs, batch.size);
        assert.ok(kl <= targetKl, `measured KL ${kl} > δ ${targetKl}`);
        assert.ok(
          kl > 0.2 * targetKl,
          `measured KL ${kl} is far below δ ${targetKl}: the step is not scaled to the region`,
        );
        assert.ok(Math.abs(kl - s.kl) < 1e-6, `reported KL ${s.kl} vs measured ${kl}`);
        assert.ok(s.surrogateAfter > s.surrogateBefore);
      }
    });
  }

  test('NPG (no line search): measured KL ≈ δ from the quadratic model (within 30%)', () => {
    const policy = randomPolicy({ obsSize: 5, actionSize: 2, hiddenSizes: [16, 16] }, 5);
    const batch = batchFor(policy, 1024, 6);
    const before = policy.params.slice();
    // No damping, so the quadratic model ½ sᵀFs = δ is the KL's own second-order expansion.
    const s = trpoPolicyStep(policy, batch, new Random(1), {
      ...NPG_DEFAULTS,
      damping: 0,
      cgIterations: 50,
      fisherSubsample: 1,
    });
    const kl = meanKl(policy, before, batch.obs, batch.size);
    assert.equal(s.lineSearchSteps, 1);
    assert.ok(Math.abs(kl - 0.01) < 0.003, `measured KL ${kl}, expected ≈ 0.01`);
  });

  test('rejecting a step leaves the actor parameters bit-identical', () => {
    const policy = randomPolicy({ obsSize: 3, actionSize: 1, hiddenSizes: [8] }, 9);
    const batch = batchFor(policy, 128, 10);
    const before = policy.params.slice();
    // A trust region so small that float32 parameters cannot move inside it ⇒ rejection.
    const s = trpoPolicyStep(policy, batch, new Random(1), { targetKl: 1e-30, maxBacktracks: 3 });
    assert.equal(s.accepted, false);
    assert.deepEqual(policy.params, before);
  });
});

describe('policy gradient: plain TS equals tfjs autodiff of the pseudo-loss', () => {
  for (const [name, opts, weighted] of [
    ['64-64 tanh, free log σ', { hiddenSizes: [64, 64] }, false],
    [
      '16 relu, state-dependent log σ, importance weights',
      { hiddenSizes: [16], activation: 'relu' as const, stateDependentStd: true },
      true,
    ],
  ] as const) {
    test(name, () => {
      const policy = randomPolicy({ obsSize: 6, actionSize: 3, ...opts }, 12);
      const batch = batchFor(policy, 200, 13, weighted);
      const grad = new Float64Array(policy.numParams);
      const loss = pseudoLossAndGradient(
        policy,
        batch.obs,
        batch.actions,
        batch.advantages,
        batch.size,
        grad,
        batch.weights,
      );
      const ref = policyGradientTf(
        policy,
        batch.obs,
        batch.actions,
        batch.advantages,
        batch.size,
        batch.weights,
      );
      assert.ok(
        Math.abs(loss - ref.loss) < 1e-4 * Math.max(1, Math.abs(ref.loss)),
        `loss ${loss} vs ${ref.loss}`,
      );
      assert.ok(
        relativeMaxError(grad, ref.grad) < 1e-4,
        `grad error ${relativeMaxError(grad, ref.grad)}`,
      );
    });
  }
});

describe('trpoUpdate', () => {
  test('fits the critic without touching the actor beyond the policy step, and reports stats', () => {
    const policy = randomPolicy({ obsSize: 4, actionSize: 1 }, 14);
    const value = new ValueNetwork({ obsSize: 4 }, new Random(15));
    const valueBefore = value.params.slice();
    const ctx = createUpdateContext(policy, value, new Random(16));
    const batch = batchFor(policy, 256, 17);
    const s = trpoUpdate(policy, value, batch, ctx);
    assert.ok(s.valueLoss < s.valueLossBefore, `value loss ${s.valueLossBefore} → ${s.valueLoss}`);
    assert.notDeepEqual(value.params, valueBefore);
    assert.ok(s.kl <= TRPO_DEFAULTS.targetKl);
    assert.ok(
      Number.isFinite(s.entropy) && s.cgIterations > 0 && s.fisherProducts >= s.cgIterations,
    );
    // The same policy step alone (same policy, batch and update stream) leaves the actor
    // bit-identical to the whole update: the critic fit never touched it.
    const alone = randomPolicy({ obsSize: 4, actionSize: 1 }, 14);
    const initial = alone.params.slice();
    trpoPolicyStep(alone, batch, new Random(16));
    assert.notDeepEqual(alone.params, initial, 'the policy step moved nothing: no check');
    assert.deepEqual(policy.params, alone.params);
    assert.throws(
      () => trpoUpdate(policy, value, { ...batch, returns: new Float32Array(3) }, ctx),
      /batch.returns has 3 values, expected 256/,
    );
    const before = policy.params.slice();
    const weights = new Float32Array(256).fill(1);
    weights[17] = Number.NaN;
    assert.throws(
      () => trpoUpdate(policy, value, { ...batch, weights }, ctx),
      /batch.weights\[17\] = NaN is not finite/,
    );
    assert.deepEqual(policy.params, before);
  });

  for (const normalizeAdvantages of [true, false]) {
    test(`uses only the first batch.size advantages (normalizeAdvantages: ${normalizeAdvantages})`, () => {
      const exact = batchFor(randomPolicy({ obsSize: 3, actionSize: 2 }, 40), 96, 41);
      // A longer array (e.g. a view of a bigger buffer) with wild values past batch.size.
      const longer = new Float32Array(96 + 32).fill(1e3);
      longer.set(exact.advantages);
      const run = (advantages: Float32Array) => {
        const policy = randomPolicy({ obsSize: 3, actionSize: 2 }, 40);
        const s = trpoPolicyStep(policy, { ...exact, advantages }, new Random(42), {
          normalizeAdvantages,
          fisherSubsample: 1,
        });
        return { params: policy.params, s };
      };
      const a = run(exact.advantages);
      const b = run(longer);
      assert.deepEqual(b.params, a.params);
      assert.equal(b.s.surrogateBefore, a.s.surrogateBefore);
    });
  }
});

describe('Fisher subsample (random rows, as sb3-contrib sub_sampling_factor on a shuffled rollout)', () => {
  // A time-major rollout of 8 environments: row = step·8 + env.
  const numEnvs = 8;
  const n = 64 * numEnvs;

  test('draws ceil(f·n) distinct sorted rows, and every environment can be chosen', () => {
    const rows = fisherSubsample(n, 0.25, new Random(1));
    assert.equal(rows.length, n / 4);
    for (let i = 1; i < rows.length; i++)
      assert.ok(rows[i - 1]! < rows[i]!, `rows not sorted/distinct at ${i}`);
    assert.ok(rows[rows.length - 1]! < n);
    const envs = new Set(Array.from(rows, (r) => r % numEnvs));
    assert.equal(envs.size, numEnvs, `environments in the subsample: ${[...envs]}`);
    // The rows of any one environment also differ from draw to draw.
    assert.notDeepEqual(fisherSubsample(n, 0.25, new Random(2)), rows);
    assert.equal(fisherSubsample(n, 1, new Random(1)).length, n);
    assert.equal(fisherSubsample(10, 0.01, new Random(1)).length, 1);
    assert.throws(
      () => fisherSubsample(n, 0, new Random(1)),
      /fraction must be in \(0, 1\], got 0/,
    );
  });

  test('is deterministic for a seed, and so is the TRPO step', () => {
    assert.deepEqual(
      fisherSubsample(n, 0.25, new Random(9)),
      fisherSubsample(n, 0.25, new Random(9)),
    );
    const batch = batchFor(randomPolicy({ obsSize: 5, actionSize: 2 }, 50), n, 51);
    const step = (seed: number) => {
      const policy = randomPolicy({ obsSize: 5, actionSize: 2 }, 50);
      trpoPolicyStep(policy, batch, new Random(seed), { lineSearch: false });
      return policy.params;
    };
    assert.deepEqual(step(3), step(3));
    // A different subsample gives a different Fisher, hence a different step.
    assert.notDeepEqual(step(3), step(4));
  });

  test('each row is chosen with probability f (uniform over rows and environments)', () => {
    const rng = new Random(11);
    const counts = new Float64Array(n);
    const draws = 400;
    for (let d = 0; d < draws; d++) for (const r of fisherSubsample(n, 0.25, rng)) counts[r]! += 1;
    const perEnv = new Float64Array(numEnvs);
    for (let r = 0; r < n; r++) perEnv[r % numEnvs]! += counts[r]!;
    // Each environment holds 64 rows: expected 64 · 0.25 · 400 = 6400 picks, sd ≈ sqrt(6400·0.75).
    for (let e = 0; e < numEnvs; e++)
      assert.ok(
        Math.abs(perEnv[e]! - 6400) < 5 * Math.sqrt(6400 * 0.75),
        `env ${e}: ${perEnv[e]} picks`,
      );
  });
});

describe('degenerate batches', () => {
  test('all-equal advantages (zero gradient after normalisation) leave the actor unchanged', () => {
    const policy = randomPolicy({ obsSize: 3, actionSize: 1, hiddenSizes: [8] }, 30);
    const batch = { ...batchFor(policy, 64, 31), advantages: new Float32Array(64).fill(2) };
    const before = policy.params.slice();
    const s = trpoPolicyStep(policy, batch, new Random(1));
    assert.deepEqual(policy.params, before);
    assert.equal(s.kl, 0);
    assert.equal(s.stepSize, 0);
  });
});
