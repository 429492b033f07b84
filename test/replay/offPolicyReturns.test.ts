/**
 * Off-policy return targets against hand-worked examples and identities (V-trace's own tests are
 * in test/learn/vtrace.test.ts, with the code).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discountedReturns, perDecisionReturns } from '../../src/replay/offPolicyReturns.js';
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
});
