// arm7-reach is robot arm7 + task reach: a seeded rollout of the alias, and of `reach` on the
// built-in arm7, are bit-identical to the pre-change arm7-reach. The golden hashes were computed by
// the code before robots became folders (commit da095a1, sim/tasks/arm7Reach.ts): the same seeds,
// the same Random action streams, every observation, reward, distance, success and truncation flag
// hashed as raw float64 bytes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { makeEnv, makeVecEnv } from '../../sim/index.js';
import type { MakeEnvOptions } from '../../sim/index.js';
import { Random } from '../../src/util/index.js';

const GOLDEN = {
  env0: {
    hash: 'ca0d3f3052885edc171834102338bcdb1d2da44f67c8f0179274f3a495761455',
    ret: -116.78782968301712,
  },
  env1: {
    hash: '73483f648550e7d2b86ee3347349f968ea91484b5c4ffee06d78d2d970551395',
    ret: -110.34768710397799,
  },
  env7: {
    hash: '386e8ae16f1254068d185545d45e8418b32610e5ae7d1725430833da54a7e277',
    ret: -114.77779359897248,
  },
  vec: {
    hash: '3bf4b7ca4c43b909fdb08132785b20cfeb3552fc750889d304f33d2f3529c3b7',
    sum: -693.0972108462977,
  },
} as const;

/** First observation of seed 0 before the change: q (7), q̇ (7), target − flange (3), target (3). */
const FIRST_OBS_SEED0 = [
  0.07737079004043187, -0.8829031656081302, -0.09349557084890021, -2.4513128781752336,
  0.022462488731044908, 1.661812085968156, 0.7712948163891566, 0, 0, 0, 0, 0, 0, 0,
  0.2254420344803904, -0.021289924247183994, -0.07518784760407726, 0.5158536667180013,
  -0.03183381809059166, 0.5061859911819442,
];

const bytes = (values: ArrayLike<number>): Uint8Array =>
  new Uint8Array(Float64Array.from(values).buffer);

async function rollout(
  task: string,
  options: MakeEnvOptions,
  seed: number,
): Promise<{ hash: string; ret: number; first: number[] }> {
  const env = await makeEnv(task, options);
  const h = createHash('sha256');
  const rng = new Random(1000 + seed);
  const obs = env.reset(seed);
  const first = Array.from(obs);
  h.update(bytes(obs));
  let ret = 0;
  const act = new Float64Array(7);
  for (let t = 0; t < 150; t++) {
    for (let i = 0; i < 7; i++) act[i] = rng.normal() * (i < 4 ? 30 : 5);
    const r = env.step(act);
    ret += r.reward;
    h.update(bytes(r.obs));
    h.update(
      bytes([r.reward, r.info.distance ?? NaN, r.info.success ? 1 : 0, r.truncated ? 1 : 0]),
    );
  }
  env.close();
  return { hash: h.digest('hex'), ret, first };
}

async function vecRollout(
  task: string,
  options: MakeEnvOptions,
): Promise<{ hash: string; sum: number }> {
  const vec = await makeVecEnv(task, { ...options, numEnvs: 3, workers: 0 });
  const h = createHash('sha256');
  const rng = new Random(5);
  h.update(new Uint8Array((await vec.reset(42)).slice().buffer));
  const acts = new Float64Array(21);
  let sum = 0;
  for (let t = 0; t < 320; t++) {
    for (let i = 0; i < 21; i++) acts[i] = rng.normal() * 20;
    const r = await vec.step(acts);
    h.update(new Uint8Array(r.obs.slice().buffer));
    h.update(new Uint8Array(r.rewards.slice().buffer));
    h.update(new Uint8Array(r.finalObs.slice().buffer));
    for (const x of r.rewards) sum += x;
  }
  await vec.close();
  return { hash: h.digest('hex'), sum };
}

const variants: [string, string, MakeEnvOptions][] = [
  ['arm7-reach (the alias)', 'arm7-reach', {}],
  ['reach on robot arm7', 'reach', { robot: 'arm7' }],
];

describe('arm7-reach = reach on arm7, bit for bit with the pre-change task', () => {
  for (const [label, task, options] of variants) {
    test(`${label}: single environments, seeds 0, 1, 7`, async () => {
      for (const seed of [0, 1, 7] as const) {
        const got = await rollout(task, options, seed);
        const want = GOLDEN[`env${seed}`];
        assert.equal(got.ret, want.ret, `seed ${seed} return`);
        assert.equal(got.hash, want.hash, `seed ${seed} trajectory hash`);
        if (seed === 0) assert.deepEqual(got.first, FIRST_OBS_SEED0);
      }
    });

    test(`${label}: vectorised with auto-reset`, async () => {
      const got = await vecRollout(task, options);
      assert.equal(got.sum, GOLDEN.vec.sum);
      assert.equal(got.hash, GOLDEN.vec.hash);
    });
  }

  test('the spec names the task arm7-reach and carries robot and task parameters', async () => {
    for (const [, task, options] of variants) {
      const env = await makeEnv(task, options);
      assert.equal(env.spec.name, 'arm7-reach');
      assert.equal(env.spec.obsSize, 20);
      assert.equal(env.spec.robot?.name, 'arm7');
      assert.match(env.spec.robot?.modelHash ?? '', /^[0-9a-f]{64}$/);
      assert.deepEqual(env.spec.taskParams, {
        kind: 'reach',
        horizon: 150,
        successRadius: 0.03,
        resetNoise: 0.1,
        reward: { distance: 1, torque: 0.01, velocity: 0.001 },
      });
      env.close();
    }
  });
});
