/**
 * Importance-sampled policy gradients from behaviour-policy data match the target policy's exact
 * gradient in expectation (Gaussian bandits with closed-form J), per-decision weighting has lower
 * variance than trajectory weighting, and dropping the weights is detectably biased (so the
 * tolerance is tight enough to fail).
 *
 * Tolerances: each estimate is a mean of N i.i.d. terms; we accept |mean − ∇J| < 4·SE with SE the
 * sample standard error (a 4σ band: false-failure probability ≈ 6e-5 per check, seeds fixed).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianLogProb } from '../../src/policy/index.js';
import {
  logImportanceRatios,
  perDecisionLogWeights,
  selfNormalisedWeights,
  trajectoryLogWeights,
  truncatedWeights,
  weightsFromLog,
} from '../../src/replay/importanceWeights.js';
import { discountedReturns, perDecisionReturns } from '../../src/replay/offPolicyReturns.js';
import { Random } from '../../src/util/random.js';

function meanAndSe(xs: Float64Array): { mean: number; se: number; variance: number } {
  const n = xs.length;
  let m = 0;
  for (const x of xs) m += x;
  m /= n;
  let v = 0;
  for (const x of xs) v += (x - m) ** 2;
  v /= n - 1;
  return { mean: m, se: Math.sqrt(v / n), variance: v };
}

/** Log-densities of scalar actions under N(mean, exp(logStd)²). */
function logProbs(actions: Float64Array, mean: number, logStd: number): Float64Array {
  const out = new Float64Array(actions.length);
  for (let i = 0; i < actions.length; i++)
    out[i] = gaussianLogProb([actions[i] as number], [mean], [logStd], 1);
  return out;
}

describe('importance-sampled gradients are unbiased', () => {
  // Target π = N(θ, σ²), behaviour μ = N(θb, σb²); reward r(a) = −(a − c)².
  // J(θ) = E_π[r] = −((θ − c)² + σ²), so ∂J/∂θ = −2(θ − c).
  const theta = 0.3;
  const sigma = 0.5;
  const thetaB = 0;
  const sigmaB = 0.7;
  const c = 1;
  const exact = -2 * (theta - c); // 1.4

  test('one-step bandit: trajectory IS and self-normalised IS match ∂J/∂θ; unweighted does not', () => {
    const n = 40000;
    const rng = new Random(11);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = thetaB + sigmaB * rng.normal();
    const lr = logImportanceRatios(
      logProbs(a, theta, Math.log(sigma)),
      logProbs(a, thetaB, Math.log(sigmaB)),
    );
    const bounds = Int32Array.from({ length: n + 1 }, (_, i) => i); // one-step episodes
    const w = weightsFromLog(trajectoryLogWeights(lr, bounds));
    const sn = selfNormalisedWeights(trajectoryLogWeights(lr, bounds));
    const term = (weights: ArrayLike<number> | undefined): Float64Array =>
      a.map(
        (ai, i) =>
          (weights ? (weights[i] as number) : 1) * ((ai - theta) / sigma ** 2) * -((ai - c) ** 2),
      );
    const is = meanAndSe(term(w));
    assert.ok(is.se < 0.05 * exact, `standard error ${is.se} too large for a meaningful check`);
    assert.ok(Math.abs(is.mean - exact) < 4 * is.se, `IS ${is.mean} ± ${is.se} vs exact ${exact}`);
    const snm = meanAndSe(term(sn));
    assert.ok(Math.abs(snm.mean - exact) < 4 * is.se, `self-normalised ${snm.mean} vs ${exact}`);
    const plain = meanAndSe(term(undefined));
    assert.ok(
      Math.abs(plain.mean - exact) > 6 * plain.se,
      `the unweighted estimate ${plain.mean} should be biased away from ${exact}`,
    );
    // Truncated weights are bounded (ρ̄ = 1) and, here, biased: bias is what truncation buys
    // variance with.
    const tw = truncatedWeights(lr, 1, 1);
    assert.ok(Math.max(...tw.rho) <= 1);
    const tr = meanAndSe(term(tw.rho));
    assert.ok(tr.variance < is.variance, 'truncation lowers the variance');
  });

  test('three steps: per-decision and trajectory IS both match ∇J; per-decision has lower variance', () => {
    // Actions a_t ~ π independent of the state; r_t = −(a_t − c_t)², γ = 1, horizon 3.
    // J = Σ_t −((θ − c_t)² + σ²), ∂J/∂θ = Σ_t −2(θ − c_t).
    const cs = [1, -0.5, 0.8];
    const T = cs.length;
    const exact3 = cs.reduce((s, ct) => s - 2 * (theta - ct), 0);
    const episodes = 30000;
    const n = episodes * T;
    const rng = new Random(12);
    const a = new Float64Array(n);
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = thetaB + sigmaB * rng.normal();
      r[i] = -(((a[i] as number) - (cs[i % T] as number)) ** 2);
    }
    const bounds = Int32Array.from({ length: episodes + 1 }, (_, e) => e * T);
    const lr = logImportanceRatios(
      logProbs(a, theta, Math.log(sigma)),
      logProbs(a, thetaB, Math.log(sigmaB)),
    );
    const score = a.map((ai) => (ai - theta) / sigma ** 2);
    const zeros = new Float64Array(episodes);

    // Per-decision: Σ_t ρ_{0:t} ∇log π_t G^PD_t with G^PD_t = r_t + ρ_{t+1} G^PD_{t+1}.
    const pdW = weightsFromLog(perDecisionLogWeights(lr, bounds));
    const gPd = perDecisionReturns(r, weightsFromLog(lr), bounds, 1, zeros);
    // Trajectory: ρ_{0:T−1} Σ_t ∇log π_t Σ_{k≥t} r_k.
    const trW = weightsFromLog(trajectoryLogWeights(lr, bounds));
    const gTr = discountedReturns(r, bounds, 1, zeros);
    const perEpisode = (w: Float64Array, g: Float64Array): Float64Array => {
      const out = new Float64Array(episodes);
      for (let e = 0; e < episodes; e++) {
        let s = 0;
        for (let t = e * T; t < (e + 1) * T; t++)
          s += (w[t] as number) * (score[t] as number) * (g[t] as number);
        out[e] = s;
      }
      return out;
    };
    const pd = meanAndSe(perEpisode(pdW, gPd));
    const tr = meanAndSe(perEpisode(trW, gTr));
    assert.ok(
      Math.abs(pd.mean - exact3) < 4 * pd.se,
      `per-decision ${pd.mean} ± ${pd.se} vs ${exact3}`,
    );
    assert.ok(
      Math.abs(tr.mean - exact3) < 4 * tr.se,
      `trajectory ${tr.mean} ± ${tr.se} vs ${exact3}`,
    );
    assert.ok(pd.se < 0.1 * Math.abs(exact3), `per-decision standard error ${pd.se} too large`);
    assert.ok(
      pd.variance < 0.8 * tr.variance,
      `per-decision variance ${pd.variance} should be below trajectory variance ${tr.variance}`,
    );
  });
});
