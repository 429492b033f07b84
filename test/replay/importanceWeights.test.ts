/**
 * The importance-weight estimators against hand-worked values and closed forms (the log ratios and
 * their V-trace truncation are tested in test/learn/vtrace.test.ts, with the code).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  effectiveSampleSize,
  effectiveSampleSizeFromLog,
  logSumExp,
  perDecisionLogWeights,
  selfNormalisedWeights,
  StreamingWeightStats,
  trajectoryLogWeights,
  weightStats,
} from '../../src/replay/importanceWeights.js';

const close = (a: number, b: number, tol = 1e-12): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('importance weights', () => {
  // Two episodes: [0, 3) and [3, 5). log ρ = [ln 2, ln 0.5, ln 3 | ln 4, ln 0.25].
  const logRatios = [Math.log(2), Math.log(0.5), Math.log(3), Math.log(4), Math.log(0.25)];
  const bounds = [0, 3, 5];

  test('trajectory weights are the ratio of products, per episode', () => {
    // Episode 0: 2·0.5·3 = 3; episode 1: 4·0.25 = 1.
    const w = trajectoryLogWeights(logRatios, bounds).map(Math.exp);
    [3, 3, 3, 1, 1].forEach((x, i) => close(w[i] as number, x));
  });

  test('per-decision weights are the running products within each episode', () => {
    // ρ_{0:t}: 2, 1, 3 | 4, 1.
    const w = perDecisionLogWeights(logRatios, bounds).map(Math.exp);
    [2, 1, 3, 4, 1].forEach((x, i) => close(w[i] as number, x));
  });

  test('bounds are checked', () => {
    assert.throws(() => perDecisionLogWeights(logRatios, [0, 3]), /must start at 0 and end at 5/);
    assert.throws(() => trajectoryLogWeights(logRatios, [0, 4, 3, 5]), /non-decreasing/);
  });

  test('self-normalised weights average to one and are stable for huge log weights', () => {
    const w = selfNormalisedWeights([1000, 1000 + Math.log(3)]);
    close(w[0] as number, 0.5);
    close(w[1] as number, 1.5);
    const v = selfNormalisedWeights([-2000, -2000, -2000]);
    assert.deepEqual(
      Array.from(v).map((x) => Math.round(x * 1e12) / 1e12),
      [1, 1, 1],
    );
  });

  test('effective sample size: closed forms, and the log form agrees without overflow', () => {
    close(effectiveSampleSize([1, 1, 1, 1]), 4);
    close(effectiveSampleSize([1, 0, 0, 0]), 1);
    // (1+2+3)² / (1+4+9) = 36/14.
    close(effectiveSampleSize([1, 2, 3]), 36 / 14);
    close(effectiveSampleSizeFromLog([0, Math.log(2), Math.log(3)]), 36 / 14);
    close(effectiveSampleSizeFromLog([800, 800 + Math.log(2), 800 + Math.log(3)]), 36 / 14);
    close(logSumExp([1000, 1000]), 1000 + Math.LN2);
    assert.equal(logSumExp([]), -Infinity);
  });

  test('weight statistics and the streaming version agree', () => {
    const w = [0.5, 2, 1, 4];
    const s = weightStats(w, 1);
    const st = new StreamingWeightStats();
    w.forEach((x, i) => st.add(x, i === 0));
    for (const k of ['ess', 'maxWeight', 'meanWeight', 'clippedFraction'] as const)
      close(st.stats()[k], s[k]);
    close(s.meanWeight, 7.5 / 4);
    assert.equal(s.maxWeight, 4);
    close(s.clippedFraction, 0.25);
  });
});
