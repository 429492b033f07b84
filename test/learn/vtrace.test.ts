/**
 * V-trace and its truncated importance weights (learn/vtrace.ts) against hand-worked values and
 * closed forms (moved here from test/replay with the code).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkBounds,
  logImportanceRatios,
  truncatedWeights,
  vtrace,
} from '../../src/learn/vtrace.js';

const close = (a: number, b: number, tol = 1e-12): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

/** G_t = Σ_{k≥t} γ^{k−t} r_k + γ^{T−t} bootstrap, summed forwards term by term (no recursion). */
function monteCarloReturns(
  r: readonly number[],
  bounds: readonly number[],
  gamma: number,
  bootstrap: readonly number[],
): number[] {
  const out: number[] = [];
  for (let e = 0; e + 1 < bounds.length; e++) {
    const a = bounds[e] as number;
    const b = bounds[e + 1] as number;
    for (let t = a; t < b; t++) {
      let g = 0;
      for (let k = t; k < b; k++) g += gamma ** (k - t) * (r[k] as number);
      out.push(g + gamma ** (b - t) * (bootstrap[e] as number));
    }
  }
  return out;
}

describe('V-trace', () => {
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
    const g = monteCarloReturns(r, bounds, 0.95, bootstrap);
    for (let i = 0; i < 5; i++) close(vs[i] as number, g[i] as number);
  });

  test('V-trace with c = 0 is the one-step TD target', () => {
    const r = [1, 2];
    const v = [0.5, -1];
    const out = vtrace(r, v, [1, 1], [0, 0], [0, 2], 0.9, [3]);
    close(out.vs[0] as number, 1 + 0.9 * -1);
    close(out.vs[1] as number, 2 + 0.9 * 3);
  });

  test('bounds are checked', () => {
    assert.throws(() => vtrace([1, 2], [0, 0], [1, 1], [1, 1], [0, 1], 0.9, [0]), /end at 2/);
    assert.throws(() => checkBounds([0, 2, 1, 3], 3, 'here'), /here: .*non-decreasing/);
    assert.throws(
      () => vtrace([1, 2], [0], [1, 1], [1, 1], [0, 2], 0.9, [0]),
      /values has length 1/,
    );
  });
});

describe('truncated importance weights', () => {
  // Two episodes: [0, 3) and [3, 5). log ρ = [ln 2, ln 0.5, ln 3 | ln 4, ln 0.25].
  const logRatios = [Math.log(2), Math.log(0.5), Math.log(3), Math.log(4), Math.log(0.25)];

  test('log ratios are differences of log-probs', () => {
    const lr = logImportanceRatios([-1, -2.5], [-1.5, -2]);
    assert.deepEqual(Array.from(lr), [0.5, -0.5]);
    assert.throws(() => logImportanceRatios([1, 2], [1]), /2 target log-probs but 1 behaviour/);
  });

  test('truncation bounds every weight and trace; counts clipped steps', () => {
    const { rho, c, clipped } = truncatedWeights(logRatios, 1, 0.5);
    [1, 0.5, 1, 1, 0.25].forEach((x, i) => close(rho[i] as number, x));
    [0.5, 0.5, 0.5, 0.5, 0.25].forEach((x, i) => close(c[i] as number, x));
    assert.equal(clipped, 3); // ratios 2, 3, 4 exceed ρ̄ = 1
    // Property over extreme log ratios: never above the bars, never NaN or Infinity.
    const extreme = [-1e6, -50, 0, 50, 700, 1e6];
    for (const [rb, cb] of [
      [1, 1],
      [2, 0.3],
      [1e3, 1e3],
    ] as const) {
      const t = truncatedWeights(extreme, rb, cb);
      for (let i = 0; i < extreme.length; i++) {
        assert.ok((t.rho[i] as number) <= rb && (t.rho[i] as number) >= 0);
        assert.ok((t.c[i] as number) <= cb && (t.c[i] as number) >= 0);
      }
    }
    assert.throws(() => truncatedWeights(logRatios, 0, 1), /rhoBar and cBar must be > 0/);
  });
});
