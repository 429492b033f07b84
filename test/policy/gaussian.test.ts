/**
 * Ground truth 5: log-prob, entropy and KL of diagonal Gaussians against closed forms, finite
 * differences, Monte Carlo, and the tfjs reference.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  HALF_LOG_2PI,
  gaussianEntropy,
  gaussianLogProb,
  klDiagonalGaussians,
} from '../../src/policy/gaussian.js';
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
