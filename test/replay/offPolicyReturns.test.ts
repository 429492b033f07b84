/**
 * Off-policy return targets against hand-worked examples and identities.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  discountedReturns,
  perDecisionReturns,
  vtrace,
} from '../../src/replay/offPolicyReturns.js';
import { perDecisionLogWeights } from '../../src/replay/importanceWeights.js';

const close = (a: number, b: number, tol = 1e-12): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('off-policy returns', () => {
  test('discounted returns bootstrap truncated episodes and not terminated ones', () => {
    // Episode 0 (truncated, V(s_T) = 10): r = [1, 2], γ = 0.5 → G1 = 2 + 0.5·10 = 7, G0 = 1 + 3.5 = 4.5.
    // Episode 1 (terminated): r = [3] → G = 3.
    const g = discountedReturns([1, 2, 3], [0, 2, 3], 0.5, [10, 0]);
    assert.deepEqual(Array.from(g), [4.5, 7, 3]);
  });

  test('per-decision returns: ρ_{0:t} G_t = Σ_k γ^{k−t} ρ_{0:k} r_k', () => {
    const r = [1, -2, 0.5, 3];
    const rho = [0.5, 2, 1.5, 0.25];
    const gamma = 0.9;
    const g = perDecisionReturns(r, rho, [0, 4], gamma, [0]);
    const cum = perDecisionLogWeights(rho.map(Math.log), [0, 4]).map(Math.exp);
    for (let t = 0; t < 4; t++) {
      let direct = 0;
      for (let k = t; k < 4; k++)
        direct += gamma ** (k - t) * (cum[k] as number) * (r[k] as number);
      close((cum[t] as number) * (g[t] as number), direct);
    }
  });

  test('V-trace, hand-worked 3-step example', () => {
    // γ = 0.5, r = [1, 0, 2], V = [1, 2, 3], bootstrap V(x_3) = 4 (truncated).
    // ρ = [1, 0.5, 1] (truncated), c = [0.5, 0.5, 1].
    // s = 2: δ = 1·(2 + 0.5·4 − 3) = 1;        v2 = 3 + 1 + 0.5·1·(4 − 4) = 4
    // s = 1: δ = 0.5·(0 + 0.5·3 − 2) = −0.25;  v1 = 2 − 0.25 + 0.5·0.5·(4 − 3) = 2
    // s = 0: δ = 1·(1 + 0.5·2 − 1) = 1;         v0 = 1 + 1 + 0.5·0.5·(2 − 2) = 2
    // advantages r_s + γ v_{s+1} − V(x_s): [1 + 1 − 1, 0 + 2 − 2, 2 + 2 − 3] = [1, 0, 1]
    const out = vtrace([1, 0, 2], [1, 2, 3], [1, 0.5, 1], [0.5, 0.5, 1], [0, 3], 0.5, [4]);
    assert.deepEqual(Array.from(out.vs), [2, 2, 4]);
    assert.deepEqual(Array.from(out.advantages), [1, 0, 1]);
  });

  test('V-trace on-policy (ρ = c = 1) is the discounted Monte Carlo return, for any V', () => {
    const r = [0.3, -1, 2, 0.7, 5];
    const values = [9, -3, 0.1, 4, 2];
    const bounds = [0, 3, 5];
    const bootstrap = [1.5, 0];
    const ones = new Float64Array(5).fill(1);
    const { vs } = vtrace(r, values, ones, ones, bounds, 0.95, bootstrap);
    const g = discountedReturns(r, bounds, 0.95, bootstrap);
    for (let i = 0; i < 5; i++) close(vs[i] as number, g[i] as number);
  });

  test('V-trace with c = 0 is the one-step TD target', () => {
    const r = [1, 2];
    const v = [0.5, -1];
    const out = vtrace(r, v, [1, 1], [0, 0], [0, 2], 0.9, [3]);
    close(out.vs[0] as number, 1 + 0.9 * -1);
    close(out.vs[1] as number, 2 + 0.9 * 3);
  });
});
