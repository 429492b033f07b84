/**
 * Ground truth 5: log-prob, entropy and KL of diagonal Gaussians against closed forms, finite
 * differences, Monte Carlo, and the tfjs reference; `DiagGaussian`'s sampling (moments, draw
 * order), its batch paths against its batch-1 path, and that the batch-1 path writes only into
 * the buffers it is given.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  DiagGaussian,
  HALF_LOG_2PI,
  gaussianEntropy,
  gaussianLogProb,
  klDiagonalGaussians,
} from '../../src/policy/diagGaussian.js';
import { gaussianLogProbTf, klDiagonalGaussiansTf } from '../../src/policy/tfjsReference.js';
import { Random } from '../../src/util/random.js';
import { useCpuBackend } from '../learn/helpers.js';

before(useCpuBackend);

describe('gaussianLogProb', () => {
  test('standard normal at 0: −½ log 2π = −0.9189385332', () => {
    assert.ok(Math.abs(gaussianLogProb([0], [0], [0], 1) + 0.9189385332046727) < 1e-12);
  });

  test('hand-worked 2-D: a = (1, 0), μ = (0, 1), σ = (2, 0.5)', () => {
    // z = (0.5, −2); −½(0.25 + 4) − (log 2 + log 0.5) − log 2π = −2.125 − 0 − 1.8378770664
    const lp = gaussianLogProb([1, 0], [0, 1], [Math.log(2), Math.log(0.5)], 2);
    assert.ok(Math.abs(lp - (-2.125 - 2 * HALF_LOG_2PI)) < 1e-12, `${lp}`);
  });

  test('derivatives match finite differences: ∂/∂μ = z/σ, ∂/∂log σ = z² − 1', () => {
    const a = [0.3, -1.2];
    const mu = [0.1, 0.4];
    const ls = [-0.2, 0.5];
    const h = 1e-6;
    for (let j = 0; j < 2; j++) {
      const z = (a[j]! - mu[j]!) / Math.exp(ls[j]!);
      const muUp = [...mu];
      const muDn = [...mu];
      muUp[j]! += h;
      muDn[j]! -= h;
      const dMu = (gaussianLogProb(a, muUp, ls, 2) - gaussianLogProb(a, muDn, ls, 2)) / (2 * h);
      assert.ok(Math.abs(dMu - z / Math.exp(ls[j]!)) < 1e-6, `dμ[${j}] ${dMu}`);
      const lsUp = [...ls];
      const lsDn = [...ls];
      lsUp[j]! += h;
      lsDn[j]! -= h;
      const dLs = (gaussianLogProb(a, mu, lsUp, 2) - gaussianLogProb(a, mu, lsDn, 2)) / (2 * h);
      assert.ok(Math.abs(dLs - (z * z - 1)) < 1e-6, `dlogσ[${j}] ${dLs}`);
    }
  });

  test('equals the tfjs reference on random rows', () => {
    const rng = new Random(1);
    const n = 50;
    const d = 3;
    const a = new Float32Array(n * d).map(() => rng.normal());
    const mu = new Float32Array(n * d).map(() => rng.normal());
    const ls = new Float32Array(n * d).map(() => 0.5 * rng.normal());
    const ref = tf.tidy(() =>
      gaussianLogProbTf(
        tf.tensor2d(mu, [n, d]),
        tf.tensor2d(ls, [n, d]),
        tf.tensor2d(a, [n, d]),
      ).dataSync(),
    );
    for (let r = 0; r < n; r++)
      assert.ok(Math.abs(gaussianLogProb(a, mu, ls, d, r) - ref[r]!) < 1e-4);
  });
});

describe('gaussianEntropy', () => {
  test('closed form ½ log(2πe) + log σ per dimension, and −E[log π] by Monte Carlo', () => {
    assert.ok(Math.abs(gaussianEntropy([0], 1) - 1.4189385332046727) < 1e-12);
    const ls = [0.3, -0.7];
    const rng = new Random(2);
    let s = 0;
    const M = 200000;
    for (let k = 0; k < M; k++) {
      const a = [Math.exp(ls[0]!) * rng.normal(), Math.exp(ls[1]!) * rng.normal()];
      s -= gaussianLogProb(a, [0, 0], ls, 2);
    }
    assert.ok(
      Math.abs(s / M - gaussianEntropy(ls, 2)) < 0.01,
      `MC ${s / M} vs ${gaussianEntropy(ls, 2)}`,
    );
  });
});

describe('klDiagonalGaussians', () => {
  test('KL(p‖p) = 0, and a hand-worked 1-D value', () => {
    assert.equal(klDiagonalGaussians([1, 2], [0.1, 0.2], [1, 2], [0.1, 0.2], 2), 0);
    // p = N(0, 1), q = N(1, 2²): log 2 + (1 + 1)/(2·4) − ½ = 0.6931471806 + 0.25 − 0.5
    const kl = klDiagonalGaussians([0], [0], [1], [Math.log(2)], 1);
    assert.ok(Math.abs(kl - (Math.log(2) - 0.25)) < 1e-12);
  });

  test('equals the Monte Carlo E_p[log p − log q] and the tfjs reference', () => {
    const mp = [0.2, -0.4];
    const lp = [0.1, -0.3];
    const mq = [0.5, 0.1];
    const lq = [-0.2, 0.2];
    const rng = new Random(3);
    let s = 0;
    const M = 200000;
    for (let k = 0; k < M; k++) {
      const a = [
        mp[0]! + Math.exp(lp[0]!) * rng.normal(),
        mp[1]! + Math.exp(lp[1]!) * rng.normal(),
      ];
      s += gaussianLogProb(a, mp, lp, 2) - gaussianLogProb(a, mq, lq, 2);
    }
    const kl = klDiagonalGaussians(mp, lp, mq, lq, 2);
    assert.ok(Math.abs(s / M - kl) < 0.01, `MC ${s / M} vs closed form ${kl}`);
    const ref = tf.tidy(
      () =>
        klDiagonalGaussiansTf(
          tf.tensor2d([mp]),
          tf.tensor2d([lp]),
          tf.tensor2d([mq]),
          tf.tensor2d([lq]),
        ).dataSync()[0],
    );
    assert.ok(Math.abs(kl - ref!) < 1e-5);
  });

  test('its Hessian in (μ_q, log σ_q) at q = p is diag(1/σ², 2), by finite differences', () => {
    const mp = [0.3];
    const lp = [-0.4];
    const h = 1e-4;
    const f = (m: number, l: number) => klDiagonalGaussians(mp, lp, [m], [l], 1);
    const dmm = (f(mp[0]! + h, lp[0]!) - 2 * f(mp[0]!, lp[0]!) + f(mp[0]! - h, lp[0]!)) / (h * h);
    const dll = (f(mp[0]!, lp[0]! + h) - 2 * f(mp[0]!, lp[0]!) + f(mp[0]!, lp[0]! - h)) / (h * h);
    assert.ok(Math.abs(dmm - Math.exp(-2 * lp[0]!)) < 1e-4, `∂²/∂μ² ${dmm}`);
    assert.ok(Math.abs(dll - 2) < 1e-4, `∂²/∂logσ² ${dll}`);
  });
});

/** n rows of d random numbers, scaled (float32, as tfjs takes them). */
function rows(rng: Random, n: number, d: number, scale = 1): Float32Array {
  return new Float32Array(n * d).map(() => scale * rng.normal());
}

describe('DiagGaussian', () => {
  test('log-prob: the closed form by hand, and the tfjs reference on a batch', () => {
    const g = new DiagGaussian(2);
    // As above: z = (0.5, −2) ⇒ −2.125 − log 2π.
    const lp = g.logProb([1, 0], [0, 1], [Math.log(2), Math.log(0.5)]);
    assert.ok(Math.abs(lp - (-2.125 - 2 * HALF_LOG_2PI)) < 1e-12, `${lp}`);
    const rng = new Random(11);
    const n = 40;
    const d = 4;
    const g4 = new DiagGaussian(d);
    const a = rows(rng, n, d);
    const mu = rows(rng, n, d);
    const ls = rows(rng, n, d, 0.5);
    const out = new Float64Array(n);
    g4.logProbBatch(a, mu, ls, n, out);
    const ref = tf.tidy(() =>
      gaussianLogProbTf(
        tf.tensor2d(mu, [n, d]),
        tf.tensor2d(ls, [n, d]),
        tf.tensor2d(a, [n, d]),
      ).dataSync(),
    );
    for (let r = 0; r < n; r++) {
      // Explicit closed form, dimension by dimension.
      let cf = 0;
      for (let j = 0; j < d; j++) {
        const s = Math.exp(ls[r * d + j]!);
        const z = (a[r * d + j]! - mu[r * d + j]!) / s;
        cf += -0.5 * z * z - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
      }
      assert.ok(Math.abs(out[r]! - cf) < 1e-12, `row ${r}: ${out[r]} vs closed form ${cf}`);
      assert.ok(Math.abs(out[r]! - ref[r]!) < 1e-4, `row ${r}: ${out[r]} vs tfjs ${ref[r]}`);
    }
  });

  test('entropy: Σ (log σ + ½ log 2πe) per row, and its mean over rows', () => {
    const g = new DiagGaussian(3);
    const ls = [0.2, -1, 0.5, 0, 0, 0];
    const h0 = 0.2 - 1 + 0.5 + 3 * 0.5 * Math.log(2 * Math.PI * Math.E);
    const h1 = 3 * 0.5 * Math.log(2 * Math.PI * Math.E);
    assert.ok(Math.abs(g.entropy(ls, 0) - h0) < 1e-12);
    assert.ok(Math.abs(g.entropy(ls, 1) - h1) < 1e-12);
    assert.ok(Math.abs(g.meanEntropy(ls, 2) - (h0 + h1) / 2) < 1e-12);
    assert.equal(g.meanEntropy(ls, 0), 0);
  });

  test('KL: the closed form by hand, KL(p‖p) = 0, and the tfjs reference', () => {
    const g1 = new DiagGaussian(1);
    // p = N(0, 1), q = N(1, 2²): log 2 + (1 + 1)/(2·4) − ½.
    assert.ok(Math.abs(g1.kl([0], [0], [1], [Math.log(2)]) - (Math.log(2) - 0.25)) < 1e-12);
    const rng = new Random(12);
    const n = 30;
    const d = 3;
    const g = new DiagGaussian(d);
    const mp = rows(rng, n, d);
    const lp = rows(rng, n, d, 0.4);
    const mq = rows(rng, n, d);
    const lq = rows(rng, n, d, 0.4);
    for (let r = 0; r < n; r++) assert.equal(g.kl(mp, lp, mp, lp, r), 0);
    assert.equal(g.meanKl(mp, lp, mp, lp, n), 0);
    const ref = tf.tidy(() =>
      klDiagonalGaussiansTf(
        tf.tensor2d(mp, [n, d]),
        tf.tensor2d(lp, [n, d]),
        tf.tensor2d(mq, [n, d]),
        tf.tensor2d(lq, [n, d]),
      ).dataSync(),
    );
    let mean = 0;
    for (let r = 0; r < n; r++) {
      const kl = g.kl(mp, lp, mq, lq, r);
      assert.ok(kl > 0);
      assert.ok(Math.abs(kl - ref[r]!) < 1e-4 * Math.max(1, kl), `row ${r}: ${kl} vs ${ref[r]}`);
      mean += kl / n;
    }
    assert.ok(Math.abs(g.meanKl(mp, lp, mq, lq, n) - mean) < 1e-12);
  });

  test('samples have mean μ and variance σ² (200k draws), and the returned log-prob is log π(a)', () => {
    const d = 3;
    const g = new DiagGaussian(d);
    const mu = [0.5, -2, 0];
    const ls = [0, Math.log(0.1), Math.log(3)];
    const rng = new Random(13);
    const M = 200000;
    const a = new Float64Array(d);
    const sum = new Float64Array(d);
    const sumSq = new Float64Array(d);
    for (let k = 0; k < M; k++) {
      const lp = g.sample(mu, ls, rng, a);
      if (k < 100) assert.ok(Math.abs(lp - g.logProb(a, mu, ls)) < 1e-12, `draw ${k}`);
      for (let j = 0; j < d; j++) {
        sum[j] = sum[j]! + a[j]!;
        sumSq[j] = sumSq[j]! + (a[j]! - mu[j]!) ** 2;
      }
    }
    for (let j = 0; j < d; j++) {
      const s = Math.exp(ls[j]!);
      // Standard errors: σ/√M for the mean, σ²·√(2/M) for the variance; allow 5 of them.
      const mean = sum[j]! / M;
      const variance = sumSq[j]! / M;
      assert.ok(Math.abs(mean - mu[j]!) < (5 * s) / Math.sqrt(M), `mean[${j}] ${mean}`);
      assert.ok(
        Math.abs(variance - s * s) < 5 * s * s * Math.sqrt(2 / M),
        `var[${j}] ${variance} vs ${s * s}`,
      );
    }
  });

  test('draw order: a_j = μ_j + σ_j·rng.normal() for j = 0..d−1, row after row', () => {
    const d = 3;
    const n = 4;
    const g = new DiagGaussian(d);
    const rng = new Random(14);
    const mu = rows(rng, n, d);
    const ls = rows(rng, n, d, 0.3);
    const expected = new Float64Array(n * d);
    const manual = new Random(99);
    for (let k = 0; k < n * d; k++) expected[k] = mu[k]! + Math.exp(ls[k]!) * manual.normal();
    const actions = new Float64Array(n * d);
    const drawn = new Random(99);
    g.sampleBatch(mu, ls, n, drawn, actions);
    assert.deepEqual(Array.from(actions), Array.from(expected));
    // Exactly n·d normals were consumed.
    assert.deepEqual(drawn.getState(), manual.getState());
  });

  test('the batch-1 path equals the batch path, bit for bit', () => {
    const d = 5;
    const n = 7;
    const g = new DiagGaussian(d);
    const rng = new Random(15);
    const mu = rows(rng, n, d);
    const ls = rows(rng, n, d, 0.5);
    const batchActions = new Float64Array(n * d);
    const batchLp = new Float64Array(n);
    g.sampleBatch(mu, ls, n, new Random(7), batchActions, batchLp);
    const oneActions = new Float64Array(n * d);
    const one = new Random(7);
    for (let r = 0; r < n; r++) {
      assert.equal(g.sample(mu, ls, one, oneActions, r), batchLp[r]);
    }
    assert.deepEqual(Array.from(oneActions), Array.from(batchActions));
    const scored = new Float64Array(n);
    g.logProbBatch(batchActions, mu, ls, n, scored);
    for (let r = 0; r < n; r++) {
      assert.equal(g.logProb(batchActions, mu, ls, r), scored[r]);
      assert.equal(g.logProb(batchActions, mu, ls, r), gaussianLogProb(batchActions, mu, ls, d, r));
      assert.equal(g.entropy(ls, r), gaussianEntropy(ls, d, r));
      assert.equal(
        g.kl(mu, ls, batchActions, ls, r),
        klDiagonalGaussians(mu, ls, batchActions, ls, d, r),
      );
    }
  });

  test('the batch-1 path writes only into the buffers it is given and returns a number', () => {
    const d = 3;
    const g = new DiagGaussian(d);
    // Frozen inputs: any write to them throws (ES modules are strict).
    const mu = Object.freeze([0.1, 0.2, 0.3, 1, 2, 3]);
    const ls = Object.freeze([0, -1, 0.5, 0.1, 0.2, 0.3]);
    const out = new Float64Array(3 * d).fill(Number.NaN);
    const lp = g.sample(mu, ls, new Random(16), out, 1);
    assert.equal(typeof lp, 'number');
    assert.ok(Number.isFinite(lp));
    // Only row 1 of the output changed.
    for (let k = 0; k < 3 * d; k++) assert.equal(Number.isNaN(out[k]!), k < d || k >= 2 * d);
    const scores = [
      g.logProb(out, mu, ls, 1),
      g.logProbAtMean(ls, 1),
      g.entropy(ls, 1),
      g.kl(mu, ls, mu, ls, 1),
    ];
    for (const s of scores) assert.ok(typeof s === 'number' && Number.isFinite(s));
    // The density at the mean: −Σ log σ − (d/2) log 2π.
    assert.ok(Math.abs(g.logProbAtMean(ls, 1) - (-0.6 - 3 * HALF_LOG_2PI)) < 1e-12);
    assert.ok(Math.abs(g.logProbAtMean(ls, 1) - g.logProb(mu, mu, ls, 1)) < 1e-12);
  });

  test('a dimension that is not a positive integer is an error naming it', () => {
    for (const d of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => new DiagGaussian(d),
        /DiagGaussian: dimension d must be a positive integer, got/,
      );
    }
  });
});
