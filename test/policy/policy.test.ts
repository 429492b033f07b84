/**
 * The Gaussian policy, value network, normaliser and the plain-TS real-time forward pass against
 * the tfjs reference; initialisation; parameter export/import; tfjs backend selection.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianPolicy } from '../../src/policy/policy.js';
import { ValueNetwork } from '../../src/policy/value.js';
import { PolicyForward } from '../../src/policy/forward.js';
import { RunningNormalizer } from '../../src/policy/normalizer.js';
import { gaussianLogProb } from '../../src/policy/diagGaussian.js';
import { mlpForwardTf, policyDistributionTf } from '../../src/policy/tfjsReference.js';
import { initBackend } from '../../src/policy/backend.js';
import { Random } from '../../src/util/random.js';
import { randomArray, randomPolicy, relativeMaxError, useCpuBackend } from '../learn/helpers.js';

before(useCpuBackend);

/** Give the policy's normaliser non-trivial statistics from skewed data. */
function trainNormalizer(policy: GaussianPolicy, rng: Random): void {
  const n = 300;
  const raw = new Float64Array(n * policy.obsSize).map(
    (_, i) => 3 * rng.normal() + (i % policy.obsSize) - 2,
  );
  policy.updateNormalizer(raw, n);
}

describe('PolicyForward (plain TS, real-time) agrees with the tfjs mean to 1e-6', () => {
  for (const [name, opts] of [
    ['arm7 size 20→64-64→7, default init', { obsSize: 20, actionSize: 7 }],
    [
      'random weights, state-dependent σ',
      { obsSize: 6, actionSize: 3, hiddenSizes: [32, 16], stateDependentStd: true },
    ],
    ['relu', { obsSize: 5, actionSize: 2, hiddenSizes: [8], activation: 'relu' as const }],
  ] as const) {
    test(name, () => {
      const rng = new Random(1);
      const policy = name.startsWith('arm7')
        ? new GaussianPolicy(opts, rng.fork())
        : randomPolicy(opts, 2);
      trainNormalizer(policy, rng);
      const fwd = new PolicyForward(policy);
      const n = 40;
      const raw = new Float64Array(n * policy.obsSize).map(() => 4 * rng.normal());
      const norm = new Float32Array(n * policy.obsSize);
      policy.normalizeObs(raw, norm, n);
      const ref = tf.tidy(() => {
        const d = policyDistributionTf(
          policy,
          tf.tensor1d(policy.params),
          tf.tensor2d(norm, [n, policy.obsSize]),
        );
        return [d.mean.dataSync(), d.logStd.dataSync()] as const;
      });
      const out = new Float64Array(policy.actionSize);
      let err = 0;
      for (let r = 0; r < n; r++) {
        const mean = fwd.forward(raw.subarray(r * policy.obsSize, (r + 1) * policy.obsSize), out);
        assert.equal(mean, fwd.mean, 'returns its preallocated array');
        for (let j = 0; j < policy.actionSize; j++) {
          err = Math.max(err, Math.abs(out[j]! - ref[0][r * policy.actionSize + j]!));
          assert.ok(Math.abs(fwd.logStd[j]! - ref[1][r * policy.actionSize + j]!) < 1e-6);
        }
      }
      assert.ok(err < 1e-6, `max |Δμ| = ${err}`);
      // The batched path gives the same means.
      const batch = new Float64Array(n * policy.actionSize);
      fwd.meanBatch(raw, n, batch);
      assert.ok(relativeMaxError(batch, ref[0]) < 1e-6);
    });
  }

  test('sample: a = μ + σε with the returned log-prob; seeded and reproducible', () => {
    const policy = randomPolicy({ obsSize: 4, actionSize: 3 }, 3);
    const fwd = new PolicyForward(policy);
    const obs = [0.1, -0.2, 0.3, 1];
    const a1 = new Float64Array(3);
    const a2 = new Float64Array(3);
    const lp1 = fwd.sample(obs, new Random(5), a1);
    const lp2 = fwd.sample(obs, new Random(5), a2);
    assert.deepEqual(a1, a2);
    assert.equal(lp1, lp2);
    assert.ok(Math.abs(lp1 - gaussianLogProb(a1, fwd.mean, fwd.logStd, 3)) < 1e-9);
    const acts = new Float64Array(6);
    const lps = new Float64Array(2);
    fwd.sampleBatch([...obs, ...obs], 2, new Random(5), acts, lps);
    assert.ok(Math.abs(lps[0]! - gaussianLogProb(acts, fwd.mean, fwd.logStd, 3)) < 1e-9);
  });

  test('log σ is clamped to [logStdMin, logStdMax]', () => {
    const policy = new GaussianPolicy(
      { obsSize: 2, actionSize: 2, logStdMin: -1, logStdMax: 0.5 },
      new Random(1),
    );
    policy.params.set([-3, 4], policy.logStdOffset);
    const fwd = new PolicyForward(policy);
    fwd.forward([0, 0]);
    assert.deepEqual(Array.from(fwd.logStd), [-1, 0.5]);
    assert.throws(
      () =>
        new GaussianPolicy(
          { obsSize: 2, actionSize: 1, logStdMin: 1, logStdMax: 0 },
          new Random(1),
        ),
      /logStdMin 1 must be < logStdMax 0/,
    );
  });
});

describe('initialisation (orthogonal, SB3 gains)', () => {
  test('hidden W Wᵀ = 2 I (gain √2), mean output rows scaled by 0.01, zero biases, log σ = 0', () => {
    const policy = new GaussianPolicy({ obsSize: 10, actionSize: 3 }, new Random(4));
    const [l0, l1, l2] = policy.layout.layers;
    // l0: (64, 10): more rows than columns ⇒ orthonormal columns: Wᵀ W = gain² I.
    for (const [layer, gain2, cols] of [
      [l0!, 2, true],
      [l1!, 2, false],
      [l2!, 1e-4, false],
    ] as const) {
      const { inSize: K, outSize: M, weightOffset: o } = layer;
      const W = (r: number, c: number) => policy.params[o + r * K + c]!;
      const dim = cols ? K : M;
      for (let a = 0; a < dim; a++) {
        for (let b = 0; b < dim; b++) {
          let s = 0;
          if (cols) for (let r = 0; r < M; r++) s += W(r, a) * W(r, b);
          else for (let c = 0; c < K; c++) s += W(a, c) * W(b, c);
          assert.ok(
            Math.abs(s - (a === b ? gain2 : 0)) < 1e-5 * Math.max(1, gain2 * 1e4),
            `${layer.weightName} [${a},${b}] = ${s}`,
          );
        }
      }
      for (let i = 0; i < M; i++) assert.equal(policy.params[layer.biasOffset + i], 0);
    }
    assert.deepEqual(Array.from(policy.params.subarray(policy.logStdOffset)), [0, 0, 0]);
  });

  test('the same seed gives the same parameters; a different seed does not', () => {
    const a = new GaussianPolicy({ obsSize: 4, actionSize: 1 }, new Random(9));
    const b = new GaussianPolicy({ obsSize: 4, actionSize: 1 }, new Random(9));
    const c = new GaussianPolicy({ obsSize: 4, actionSize: 1 }, new Random(10));
    assert.deepEqual(a.params, b.params);
    assert.notDeepEqual(a.params, c.params);
  });
});

describe('exportParameters / importParameters', () => {
  test('round trip with names and shapes, normaliser included', () => {
    const rng = new Random(1);
    const p = randomPolicy({ obsSize: 4, actionSize: 2 }, 6);
    trainNormalizer(p, rng);
    const e = p.exportParameters();
    assert.deepEqual(Object.keys(e.parameters), [
      'mean.layers.0.weight',
      'mean.layers.0.bias',
      'mean.layers.1.weight',
      'mean.layers.1.bias',
      'mean.layers.2.weight',
      'mean.layers.2.bias',
      'logStd',
    ]);
    assert.deepEqual(e.parameters['mean.layers.0.weight']!.shape, [64, 4]);
    const q = new GaussianPolicy({ obsSize: 4, actionSize: 2 }, new Random(2));
    q.importParameters(e);
    assert.deepEqual(q.params, p.params);
    assert.deepEqual(q.normalizer.getState(), p.normalizer.getState());
    const { logStd: _drop, ...rest } = e.parameters;
    assert.throws(
      () => q.importParameters({ parameters: rest }),
      /missing parameter 'logStd' \(shape \[2\]\)/,
    );
    const wrong = {
      ...e.parameters,
      'mean.layers.0.bias': { shape: [3], data: new Float32Array(3) },
    };
    assert.throws(
      () => q.importParameters({ parameters: wrong }),
      /'mean.layers.0.bias' has shape \[3\] \(3 values\), expected \[64\]/,
    );
  });

  test('value network round trip and backward equals tfjs gradient of the squared error', () => {
    const v = new ValueNetwork({ obsSize: 3, hiddenSizes: [8, 8] }, new Random(3));
    const w = new ValueNetwork({ obsSize: 3, hiddenSizes: [8, 8] }, new Random(4));
    w.importParameters(v.exportParameters());
    assert.deepEqual(w.params, v.params);
    const rng = new Random(5);
    const n = 16;
    const x = randomArray(n * 3, rng);
    const y = randomArray(n, rng);
    const pred = v.forward(x, n);
    const g = new Float64Array(n).map((_, i) => 2 * (pred[i]! - y[i]!));
    const grad = new Float64Array(v.numParams);
    v.backward(g, n, grad);
    const ref = tf.tidy(() =>
      tf
        .grad((p: tf.Tensor) => {
          const out = mlpForwardTf(v.layout, 'tanh', p as tf.Tensor1D, tf.tensor2d(x, [n, 3]));
          return tf.sum(tf.square(tf.sub(tf.reshape(out, [n]), tf.tensor1d(y)))) as tf.Scalar;
        })(tf.tensor1d(v.params))
        .dataSync(),
    );
    assert.ok(relativeMaxError(grad, ref) < 1e-4, `${relativeMaxError(grad, ref)}`);
  });
});

describe('RunningNormalizer (parallel mean/variance merge)', () => {
  test('merging batches equals the statistics of the concatenated data', () => {
    const rng = new Random(7);
    const norm = new RunningNormalizer(2);
    const all: number[][] = [[], []];
    for (const n of [5, 17, 1, 40]) {
      const batch = new Float64Array(n * 2).map((_, i) =>
        i % 2 === 0 ? 3 + 2 * rng.normal() : -1 + 0.5 * rng.normal(),
      );
      for (let i = 0; i < batch.length; i++) all[i % 2]!.push(batch[i]!);
      norm.update(batch, n);
    }
    for (let j = 0; j < 2; j++) {
      const xs = all[j]!;
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
      // The initial pseudo-count 1e-4 (SB3) perturbs the result by O(1e-4 / N).
      assert.ok(
        Math.abs(norm.mean[j]! - m) < 1e-4 && Math.abs(norm.var[j]! - v) < 1e-3 * v,
        `dim ${j}: ${norm.mean[j]}, ${norm.var[j]} vs ${m}, ${v}`,
      );
    }
    const out = new Float64Array(2);
    norm.normalize([1e6, -1e6], out);
    assert.deepEqual(Array.from(out), [10, -10]);
    const copy = new RunningNormalizer(2);
    copy.setState(norm.getState());
    assert.deepEqual(copy.getState(), norm.getState());
  });
});

describe('tfjs backend selection', () => {
  test('an explicit choice wins; an unknown one is an error naming the value', async () => {
    assert.equal((await initBackend('cpu')).backend, 'cpu');
    await assert.rejects(
      initBackend('gpu' as 'cpu'),
      /unknown backend 'gpu'.*expected auto, tensorflow, wasm or cpu/,
    );
  });

  test('auto falls back from tfjs-node-gpu / tfjs-node to wasm, logging why (child process)', () => {
    const script = `import { initBackend } from './src/policy/backend.ts';
      const c = await initBackend(); console.log(JSON.stringify(c));`;
    const env = { ...process.env };
    delete env['TORQUEPILOT_TF_BACKEND'];
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', env },
    );
    assert.equal(r.status, 0, r.stderr);
    const line = r.stdout.trim().split('\n').pop()!;
    const choice = JSON.parse(line) as { backend: string; skipped: string[] };
    assert.ok(['tensorflow', 'wasm'].includes(choice.backend), line);
    if (choice.backend === 'wasm') {
      assert.ok(
        choice.skipped.some((s) => s.startsWith('@tensorflow/tfjs-node-gpu')),
        line,
      );
    }
    const forced = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        env: { ...env, TORQUEPILOT_TF_BACKEND: 'cpu' },
      },
    );
    assert.equal(JSON.parse(forced.stdout.trim().split('\n').pop()!).backend, 'cpu');
  });
});
