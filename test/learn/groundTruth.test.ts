/**
 * Ground truth 1: Monte Carlo policy-gradient estimators converge to the exact gradient.
 *
 * Problem (closed form): a linear-Gaussian policy a_t ~ N(k s_t + b, σ²) on the scalar system
 * s_0 = 1, s_1 = s_0 + a_0, horizon T = 2, reward r_t = −(s_t² + a_t²), γ = 1. Then
 *   E[r_0] = −(1 + (k+b)² + σ²),
 *   m_1 = E[s_1] = 1 + k + b,  E[s_1²] = m_1² + σ²,
 *   E[a_1²] = k² E[s_1²] + 2 k b m_1 + b² + σ²,   E[r_1] = −(E[s_1²] + E[a_1²]),
 *   J(k, b, log σ) = E[r_0] + E[r_1],
 * and ∇J is taken by central differences of this closed form (float64, error ~1e-9).
 *
 * The estimators run through the library: the policy is a GaussianPolicy with no hidden layer, the
 * gradient comes from pseudoLossAndGradient, the weights from trajectoryReturn /
 * discountedRewardToGo / batchMeanBaseline.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianPolicy } from '../../src/policy/policy.js';
import { SurrogateScratch, pseudoLossAndGradient } from '../../src/learn/surrogate.js';
import {
  batchMeanBaseline,
  discountedRewardToGo,
  trajectoryReturn,
} from '../../src/learn/estimators.js';
import { Random } from '../../src/util/random.js';

function closedFormJ(k: number, b: number, logStd: number): number {
  const v = Math.exp(2 * logStd);
  const r0 = -(1 + (k + b) ** 2 + v);
  const m1 = 1 + k + b;
  const s1sq = m1 * m1 + v;
  const a1sq = k * k * s1sq + 2 * k * b * m1 + b * b + v;
  return r0 - (s1sq + a1sq);
}

function exactGradient(theta: readonly number[]): number[] {
  const h = 1e-5;
  return theta.map((_, i) => {
    const up = [...theta];
    const dn = [...theta];
    up[i] = (up[i] as number) + h;
    dn[i] = (dn[i] as number) - h;
    return (closedFormJ(up[0]!, up[1]!, up[2]!) - closedFormJ(dn[0]!, dn[1]!, dn[2]!)) / (2 * h);
  });
}

type Estimator = 'fullReturn' | 'rewardToGo' | 'rewardToGoBaseline';

/** Per-trajectory gradient estimates g_i (numTraj × 3) for each estimator, from the same trajectories. */
function perTrajectoryGradients(
  policy: GaussianPolicy,
  numTraj: number,
  rng: Random,
  baseline: [number, number],
) {
  const out: Record<Estimator, Float64Array> = {
    fullReturn: new Float64Array(numTraj * 3),
    rewardToGo: new Float64Array(numTraj * 3),
    rewardToGoBaseline: new Float64Array(numTraj * 3),
  };
  const ws = policy.createWorkspace(2);
  const scratch = new SurrogateScratch();
  const obs = new Float64Array(2);
  const act = new Float64Array(2);
  const rew = new Float64Array(2);
  const rtg = new Float64Array(2);
  const grad = new Float64Array(3);
  const [k, b, logStd] = policy.params;
  const sigma = Math.exp(logStd!);
  for (let i = 0; i < numTraj; i++) {
    let s = 1;
    for (let t = 0; t < 2; t++) {
      const a = k! * s + b! + sigma * rng.normal();
      obs[t] = s;
      act[t] = a;
      rew[t] = -(s * s + a * a);
      s = s + a;
    }
    const R = trajectoryReturn(rew, 1);
    discountedRewardToGo(rew, [0, 1], 1, rtg);
    const weights: Record<Estimator, number[]> = {
      fullReturn: [R, R],
      rewardToGo: [rtg[0]!, rtg[1]!],
      rewardToGoBaseline: [rtg[0]! - baseline[0], rtg[1]! - baseline[1]],
    };
    for (const e of Object.keys(out) as Estimator[]) {
      grad.fill(0);
      // pseudo-loss over n = T = 2 rows: ∇L = −(1/2) Σ_t A_t ∇log π_t, so g_i = −2 ∇L.
      pseudoLossAndGradient(policy, obs, act, weights[e], 2, grad, undefined, ws, scratch);
      for (let j = 0; j < 3; j++) out[e][i * 3 + j] = -2 * grad[j]!;
    }
  }
  return out;
}

function mean(g: Float64Array, from: number, count: number): number[] {
  const m = [0, 0, 0];
  for (let i = from; i < from + count; i++)
    for (let j = 0; j < 3; j++) m[j]! += g[i * 3 + j]! / count;
  return m;
}

describe('Monte Carlo policy gradients vs the closed-form ∇J (linear-Gaussian, T = 2)', () => {
  const policy = new GaussianPolicy(
    { obsSize: 1, actionSize: 1, hiddenSizes: [], normalizeObs: false },
    new Random(0),
  );
  policy.params.set([-0.4, 0.2, Math.log(0.5)]);
  const theta = Array.from(policy.params);
  const exact = exactGradient(theta);
  const rng = new Random(1234);
  // Baseline b_t = batch mean of G_t from an independent pilot batch (keeps the estimator unbiased).
  const pilot = 2000;
  const pilotG: number[][] = [[], []];
  for (let i = 0; i < pilot; i++) {
    let s = 1;
    const rew = [0, 0];
    for (let t = 0; t < 2; t++) {
      const a = theta[0]! * s + theta[1]! + Math.exp(theta[2]!) * rng.normal();
      rew[t] = -(s * s + a * a);
      s += a;
    }
    pilotG[0]!.push(rew[0]! + rew[1]!);
    pilotG[1]!.push(rew[1]!);
  }
  const baseline: [number, number] = [batchMeanBaseline(pilotG[0]!), batchMeanBaseline(pilotG[1]!)];
  const numTraj = 25600;
  const g = perTrajectoryGradients(policy, numTraj, rng, baseline);

  for (const e of ['fullReturn', 'rewardToGo', 'rewardToGoBaseline'] as const) {
    test(`${e}: the mean over ${numTraj} trajectories matches ∇J within 4 standard errors`, () => {
      const m = mean(g[e], 0, numTraj);
      for (let j = 0; j < 3; j++) {
        let ss = 0;
        for (let i = 0; i < numTraj; i++) ss += (g[e][i * 3 + j]! - m[j]!) ** 2;
        const se = Math.sqrt(ss / (numTraj - 1) / numTraj);
        assert.ok(
          Math.abs(m[j]! - exact[j]!) < 4 * se,
          `${e}[${j}]: estimate ${m[j]} vs exact ${exact[j]} (se ${se})`,
        );
        assert.ok(
          se < 0.05 * Math.abs(exact[j]!) + 0.05,
          `${e}[${j}]: se ${se} too large to be a meaningful check`,
        );
      }
    });

    test(`${e}: the error shrinks like 1/√N (N = 100 → 1600 divides RMSE by about 4)`, () => {
      const rmse = (N: number): number => {
        let sum = 0;
        const batches = Math.floor(numTraj / N);
        for (let bi = 0; bi < batches; bi++) {
          const m = mean(g[e], bi * N, N);
          for (let j = 0; j < 3; j++) sum += (m[j]! - exact[j]!) ** 2;
        }
        return Math.sqrt(sum / batches);
      };
      const ratio = rmse(100) / rmse(1600);
      assert.ok(ratio > 2.5 && ratio < 6.5, `RMSE ratio ${ratio}, expected about sqrt(16) = 4`);
    });
  }

  test('reward-to-go has lower variance than the full return, and the baseline lowers it further', () => {
    const traceVar = (e: Estimator): number => {
      const m = mean(g[e], 0, numTraj);
      let s = 0;
      for (let i = 0; i < numTraj; i++)
        for (let j = 0; j < 3; j++) s += (g[e][i * 3 + j]! - m[j]!) ** 2;
      return s / (numTraj - 1);
    };
    const full = traceVar('fullReturn');
    const rtg = traceVar('rewardToGo');
    const base = traceVar('rewardToGoBaseline');
    assert.ok(rtg < 0.9 * full, `tr Var: reward-to-go ${rtg} vs full return ${full}`);
    assert.ok(base < 0.9 * rtg, `tr Var: with baseline ${base} vs reward-to-go ${rtg}`);
  });
});
