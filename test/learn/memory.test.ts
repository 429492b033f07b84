/**
 * Ground truth 6: across 100 updates the tfjs tensor count does not grow (VPG uses tfjs autodiff;
 * the reference Fisher-vector product uses double backprop), and the plain-TS updates allocate no
 * tensors at all.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { trpoUpdate } from '../../src/learn/trpo.js';
import { createUpdateContext } from '../../src/learn/updateContext.js';
import { vpgUpdate } from '../../src/learn/vpg.js';
import { ppoUpdate } from '../../src/learn/ppo.js';
import { fisherVectorProductTf } from '../../src/policy/tfjsReference.js';
import { ValueNetwork } from '../../src/policy/value.js';
import { Random } from '../../src/util/random.js';
import { randomArray, randomPolicy, useCpuBackend } from './helpers.js';

before(useCpuBackend);

test('tf.memory().numTensors is flat over 100 updates of each algorithm', () => {
  const policy = randomPolicy({ obsSize: 4, actionSize: 2, hiddenSizes: [16, 16] }, 1);
  const value = new ValueNetwork({ obsSize: 4, hiddenSizes: [16, 16] }, new Random(2));
  const ctx = createUpdateContext(policy, value, new Random(3));
  const rng = new Random(4);
  const n = 64;
  const batch = {
    size: n,
    obs: randomArray(n * 4, rng),
    actions: randomArray(n * 2, rng),
    advantages: randomArray(n, rng),
    returns: randomArray(n, rng),
    weights: new Float32Array(n).fill(1),
  };
  const x = tf.tensor2d(batch.obs, [n, 4]);
  // Warm up once: tfjs may cache a few tensors on first use of a kernel.
  vpgUpdate(policy, value, batch, ctx, { criticEpochs: 1 });
  fisherVectorProductTf(
    policy,
    policy.params,
    x,
    new Float32Array(policy.numParams).fill(0.1),
    0.1,
  );
  const start = tf.memory().numTensors;
  for (let i = 0; i < 100; i++) {
    vpgUpdate(policy, value, batch, ctx, { criticEpochs: 1 });
    trpoUpdate(policy, value, batch, ctx, { criticEpochs: 1 });
    ppoUpdate(policy, value, batch, ctx, { epochs: 1 });
    if (i % 10 === 0)
      fisherVectorProductTf(
        policy,
        policy.params,
        x,
        new Float32Array(policy.numParams).fill(0.1),
        0.1,
      );
    assert.equal(
      tf.memory().numTensors,
      start,
      `update ${i}: ${tf.memory().numTensors} tensors, started with ${start}`,
    );
  }
  x.dispose();
  for (const v of policy.params) assert.ok(Number.isFinite(v));
});
