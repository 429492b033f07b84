/**
 * Ground truth 1b: with γ < 1, GAE(λ) advantages from RolloutStorage give the exact discounted
 * policy gradient, with a time-limit truncation bootstrapped (γ·V(s′)) and a termination not.
 *
 * Problem (closed form): the linear-Gaussian system of groundTruth.test.ts, a_t ~ N(k s_t + b, σ²),
 * s_0 = 1, s_{t+1} = s_t + a_t, r_t = −(s_t² + a_t²), now with γ = 0.9 over T = 3 stored steps:
 *   truncated:  J = E[Σ_{t<T} γ^t r_t + γ^T V_tail(s_T)], V_tail(s) = −κ s² − c (the critic's value
 *               past the time limit, which the MDP continues beyond);
 *   terminated: J = E[Σ_{t<T} γ^t r_t] (s_T is absorbing with value 0).
 * The value of every step is quadratic, V_t(s) = A_t s² + B_t s + C_t, by the backward recursion
 * V_t(s) = E_a[−s² − a² + γ V_{t+1}(s + a)] with
 *   E[a²] = (ks+b)² + σ²,  E[(s+a)²] = ((1+k)s+b)² + σ²,  E[s+a] = (1+k)s + b,
 * so J = V_0(1) exactly, and ∇J by central differences (float64, error ~1e-9).
 *
 * With the exact V_t stored as the critic's values, E[Â_t^GAE | s_t, a_t] = Q_t − V_t for every λ
 * (each later δ has mean 0), so the discounted policy-gradient theorem's estimator
 * g = Σ_t γ^t Â_t ∇log π(a_t|s_t) (Sutton et al. 2000; the γ^t state weighting passed as the batch
 * weights) is unbiased for ∇J. Treating the time limit as a termination, or bootstrapping a
 * termination, biases Â_{T−1} by ∓γ V(s_T), which correlates with a_{T−1}: the negative controls
 * check that the test sees that.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianPolicy } from '../../src/policy/policy.js';
import { RolloutStorage } from '../../src/learn/storage.js';
import { SurrogateScratch, pseudoLossAndGradient } from '../../src/learn/surrogate.js';
import { Random } from '../../src/util/random.js';

const GAMMA = 0.9;
const T = 3;
const KAPPA = 2;
const TAIL_C = 0.5;

type Ending = 'truncated' | 'terminated';

/** Coefficients (A_t, B_t, C_t) of V_t for t = 0…T. */
function valueCoefficients(
  theta: readonly number[],
  ending: Ending,
): Array<[number, number, number]> {
  const [k, b, logStd] = theta as [number, number, number];
  const v = Math.exp(2 * logStd);
  const out: Array<[number, number, number]> = new Array(T + 1);
  out[T] = ending === 'truncated' ? [-KAPPA, 0, -TAIL_C] : [0, 0, 0];
  for (let t = T - 1; t >= 0; t--) {
    const [A, B, C] = out[t + 1]!;
    out[t] = [
      -1 - k * k + GAMMA * A * (1 + k) ** 2,
      -2 * k * b + GAMMA * (2 * A * (1 + k) * b + B * (1 + k)),
      -b * b - v + GAMMA * (A * (b * b + v) + B * b + C),
    ];
  }
  return out;
}

const valueAt = (c: [number, number, number], s: number): number => c[0] * s * s + c[1] * s + c[2];

function exactGradient(theta: readonly number[], ending: Ending): number[] {
  const J = (th: number[]): number => valueAt(valueCoefficients(th, ending)[0]!, 1);
  const h = 1e-5;
  return theta.map((_, i) => {
    const up = [...theta];
    const dn = [...theta];
    up[i]! += h;
    dn[i]! -= h;
    return (J(up) - J(dn)) / (2 * h);
  });
}

interface Rollout {
  readonly obs: Float64Array;
  readonly actions: Float64Array;
  readonly rewards: Float64Array;
  readonly finalObs: Float64Array;
  /** ∇_θ log π(a|s) per row (time-major, row t·N + e). Shape: (T·N, 3). */
  readonly gradLogPi: Float64Array;
}

/** N trajectories of T steps, as N environments of one rollout (time-major rows t·N + e). */
function sampleRollout(policy: GaussianPolicy, N: number, rng: Random): Rollout {
  const [k, b, logStd] = policy.params as unknown as [number, number, number];
  const sigma = Math.exp(logStd);
  const obs = new Float64Array(T * N);
  const actions = new Float64Array(T * N);
  const rewards = new Float64Array(T * N);
  const finalObs = new Float64Array(N);
  for (let e = 0; e < N; e++) {
    let s = 1;
    for (let t = 0; t < T; t++) {
      const a = k * s + b + sigma * rng.normal();
      const i = t * N + e;
      obs[i] = s;
      actions[i] = a;
      rewards[i] = -(s * s + a * a);
      s += a;
    }
    finalObs[e] = s;
  }
  // ∇log π per row through the library: the pseudo-loss of one row with Â = 1 is −log π.
  const gradLogPi = new Float64Array(T * N * 3);
  const ws = policy.createWorkspace(1);
  const scratch = new SurrogateScratch();
  const g = new Float64Array(3);
  for (let i = 0; i < T * N; i++) {
    g.fill(0);
    pseudoLossAndGradient(policy, [obs[i]!], [actions[i]!], [1], 1, g, undefined, ws, scratch);
    for (let j = 0; j < 3; j++) gradLogPi[i * 3 + j] = -g[j]!;
  }
  return { obs, actions, rewards, finalObs, gradLogPi };
}

/**
 * Per-trajectory estimates g_e = Σ_t γ^t Â_t ∇log π_t (N × 3), with Â from RolloutStorage's GAE.
 * `flag` is how the last step is stored; `bootstrap` the V(final obs) handed to the storage.
 */
function perTrajectoryGradients(
  policy: GaussianPolicy,
  r: Rollout,
  N: number,
  ending: Ending,
  flag: Ending,
  lambda: number,
): Float64Array {
  const coef = valueCoefficients(Array.from(policy.params), ending);
  const storage = new RolloutStorage({ numSteps: T, numEnvs: N, obsSize: 1, actionSize: 1 });
  const zeros = new Float64Array(N);
  for (let t = 0; t < T; t++) {
    const rows = (src: Float64Array) => src.subarray(t * N, (t + 1) * N);
    const last = t === T - 1;
    const bootstrap = new Float64Array(N);
    // V(s_T) as the critic sees it: the tail value for both endings, so a storage that bootstraps
    // a termination picks up a wrong, non-zero value.
    if (last)
      for (let e = 0; e < N; e++) bootstrap[e] = valueAt([-KAPPA, 0, -TAIL_C], r.finalObs[e]!);
    storage.add({
      obs: rows(r.obs),
      actions: rows(r.actions),
      rewards: rows(r.rewards),
      terminated: last && flag === 'terminated' ? new Float64Array(N).fill(1) : zeros,
      truncated: last && flag === 'truncated' ? new Float64Array(N).fill(1) : zeros,
      values: Float64Array.from(rows(r.obs), (s) => valueAt(coef[t]!, s)),
      logProbs: zeros,
      bootstrapValues: bootstrap,
    });
  }
  // Every episode ended at the last step: V after the rollout must not be read (garbage here).
  storage.computeReturnsAndAdvantages(new Float64Array(N).fill(1e6), GAMMA, lambda);
  const out = new Float64Array(N * 3);
  for (let e = 0; e < N; e++) {
    for (let t = 0; t < T; t++) {
      const i = t * N + e;
      const w = GAMMA ** t * storage.advantages[i]!;
      for (let j = 0; j < 3; j++) out[e * 3 + j]! += w * r.gradLogPi[i * 3 + j]!;
    }
  }
  return out;
}

/** Mean and standard error per parameter. */
function meanAndSe(g: Float64Array, N: number): { m: number[]; se: number[] } {
  const m = [0, 0, 0];
  for (let e = 0; e < N; e++) for (let j = 0; j < 3; j++) m[j]! += g[e * 3 + j]! / N;
  const se = m.map((mj, j) => {
    let ss = 0;
    for (let e = 0; e < N; e++) ss += (g[e * 3 + j]! - mj) ** 2;
    return Math.sqrt(ss / (N - 1) / N);
  });
  return { m, se };
}

/** Largest |estimate − exact| in standard errors. */
function zMax(g: Float64Array, N: number, exact: readonly number[]): number {
  const { m, se } = meanAndSe(g, N);
  return Math.max(...m.map((mj, j) => Math.abs(mj - exact[j]!) / se[j]!));
}

describe('discounted policy gradient (γ = 0.9, GAE λ, time limit) vs the closed-form ∇J', () => {
  const policy = new GaussianPolicy(
    { obsSize: 1, actionSize: 1, hiddenSizes: [], normalizeObs: false },
    new Random(0),
  );
  policy.params.set([-0.4, 0.2, Math.log(0.5)]);
  const theta = Array.from(policy.params);
  const N = 20000;
  const rollout = sampleRollout(policy, N, new Random(4321));

  for (const ending of ['truncated', 'terminated'] as const) {
    const exact = exactGradient(theta, ending);
    for (const lambda of [0, 0.95, 1]) {
      test(`${ending} episodes, λ = ${lambda}: the mean over ${N} trajectories matches ∇J within 4 standard errors`, () => {
        const g = perTrajectoryGradients(policy, rollout, N, ending, ending, lambda);
        const { m, se } = meanAndSe(g, N);
        for (let j = 0; j < 3; j++) {
          assert.ok(
            Math.abs(m[j]! - exact[j]!) < 4 * se[j]!,
            `${ending} λ=${lambda} [${j}]: estimate ${m[j]} vs exact ${exact[j]} (se ${se[j]})`,
          );
          assert.ok(
            se[j]! < 0.05 * Math.abs(exact[j]!) + 0.05,
            `[${j}]: se ${se[j]} too large to be a meaningful check`,
          );
        }
      });
    }
  }

  test('negative controls: a time limit stored as a termination, or a termination bootstrapped, is off by > 8 standard errors', () => {
    for (const lambda of [0, 0.95]) {
      const asTerminal = perTrajectoryGradients(
        policy,
        rollout,
        N,
        'truncated',
        'terminated',
        lambda,
      );
      const z1 = zMax(asTerminal, N, exactGradient(theta, 'truncated'));
      assert.ok(z1 > 8, `λ=${lambda}: truncation as termination only ${z1} se off`);
      const bootstrapped = perTrajectoryGradients(
        policy,
        rollout,
        N,
        'terminated',
        'truncated',
        lambda,
      );
      const z2 = zMax(bootstrapped, N, exactGradient(theta, 'terminated'));
      assert.ok(z2 > 8, `λ=${lambda}: bootstrapped termination only ${z2} se off`);
    }
  });

  test('the closed-form V_0(1) equals a Monte Carlo estimate of the discounted return', () => {
    for (const ending of ['truncated', 'terminated'] as const) {
      let sum = 0;
      let ss = 0;
      for (let e = 0; e < N; e++) {
        let ret = 0;
        for (let t = 0; t < T; t++) ret += GAMMA ** t * rollout.rewards[t * N + e]!;
        if (ending === 'truncated')
          ret += GAMMA ** T * valueAt([-KAPPA, 0, -TAIL_C], rollout.finalObs[e]!);
        sum += ret;
        ss += ret * ret;
      }
      const m = sum / N;
      const se = Math.sqrt((ss / N - m * m) / (N - 1));
      const j = valueAt(valueCoefficients(theta, ending)[0]!, 1);
      assert.ok(Math.abs(m - j) < 4 * se, `${ending}: MC ${m} ± ${se} vs closed form ${j}`);
    }
  });
});
