// A vectorised environment equals N single ones, bit for bit: in-process and over worker threads,
// including auto-reset (which continues each environment's random stream) and finalObs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { envSeed, makeEnv, makeVecEnv } from '../../sim/index.js';
import type { MujocoEnv, VecEnv } from '../../sim/index.js';
import { Random } from '../../src/util/random.js';

interface Trace {
  obs: number[][];
  rewards: number[];
  terminated: number[];
  truncated: number[];
  finalObs: number[][];
  clipped: number[];
}

function actionsAt(step: number, numEnvs: number, actionSize: number, high: number): Float64Array {
  const rng = new Random(1000 + step);
  return Float64Array.from({ length: numEnvs * actionSize }, () =>
    rng.uniformRange(-1.3 * high, 1.3 * high),
  );
}

async function vecTrace(vec: VecEnv, steps: number, seed: number): Promise<Trace> {
  const { obsSize, actionSize } = vec.spec;
  const high = vec.spec.actionHigh[0] ?? 1;
  const trace: Trace = {
    obs: [],
    rewards: [],
    terminated: [],
    truncated: [],
    finalObs: [],
    clipped: [],
  };
  trace.obs.push(Array.from(await vec.reset(seed)));
  for (let s = 0; s < steps; s++) {
    const r = await vec.step(actionsAt(s, vec.numEnvs, actionSize, high));
    trace.obs.push(Array.from(r.obs));
    trace.rewards.push(...r.rewards);
    trace.terminated.push(...r.terminated);
    trace.truncated.push(...r.truncated);
    trace.clipped.push(...r.clipped);
    for (let i = 0; i < vec.numEnvs; i++) {
      if (r.terminated[i] === 1 || r.truncated[i] === 1) {
        trace.finalObs.push(Array.from(r.finalObs.subarray(i * obsSize, (i + 1) * obsSize)));
      }
    }
  }
  return trace;
}

/** The same thing with N single environments stepped by hand. */
async function singleTrace(
  task: string,
  numEnvs: number,
  steps: number,
  seed: number,
): Promise<Trace> {
  const envs: MujocoEnv[] = [];
  for (let i = 0; i < numEnvs; i++) envs.push(await makeEnv(task));
  const { actionSize } = envs[0]!.spec;
  const high = envs[0]!.spec.actionHigh[0] ?? 1;
  const trace: Trace = {
    obs: [],
    rewards: [],
    terminated: [],
    truncated: [],
    finalObs: [],
    clipped: [],
  };
  trace.obs.push(envs.flatMap((env, i) => Array.from(env.reset(envSeed(seed, i)))));
  for (let s = 0; s < steps; s++) {
    const actions = actionsAt(s, numEnvs, actionSize, high);
    const row: number[] = [];
    const rewards: number[] = [];
    const terminated: number[] = [];
    const truncated: number[] = [];
    const clipped: number[] = [];
    envs.forEach((env, i) => {
      const r = env.step(actions.subarray(i * actionSize, (i + 1) * actionSize));
      rewards.push(r.reward);
      terminated.push(r.terminated ? 1 : 0);
      truncated.push(r.truncated ? 1 : 0);
      clipped.push(r.info.clipped);
      if (r.terminated || r.truncated) {
        trace.finalObs.push(Array.from(r.obs));
        row.push(...env.resetNext());
      } else {
        row.push(...r.obs);
      }
    });
    trace.obs.push(row);
    trace.rewards.push(...rewards);
    trace.terminated.push(...terminated);
    trace.truncated.push(...truncated);
    trace.clipped.push(...clipped);
  }
  for (const env of envs) env.close();
  return trace;
}

describe('vectorised environments', () => {
  // Reacher's 50-step horizon and the pendulum's early falls both exercise auto-reset.
  for (const [task, steps] of [
    ['reacher-2dof', 120],
    ['inverted-pendulum', 80],
  ] as const) {
    test(`${task}: in-process VecEnv = N single envs = worker pool (1 and 2 workers), bit for bit`, async () => {
      const numEnvs = 5;
      const expected = await singleTrace(task, numEnvs, steps, 21);
      assert.ok(expected.finalObs.length >= numEnvs, 'episodes should end during the run');
      const inProcess = await makeVecEnv(task, { numEnvs, workers: 0 });
      assert.deepEqual(await vecTrace(inProcess, steps, 21), expected);
      await inProcess.close();
      for (const workers of [1, 2]) {
        const pool = await makeVecEnv(task, { numEnvs, workers });
        assert.deepEqual(await vecTrace(pool, steps, 21), expected, `${workers} workers`);
        await pool.close();
      }
    });
  }

  test('worker pool: getState/setState round trip continues identically; Float32 actions accepted', async () => {
    const vec = await makeVecEnv('arm7-reach', { numEnvs: 3, workers: 2 });
    const ref = await makeVecEnv('arm7-reach', { numEnvs: 3, workers: 0 });
    try {
      await vec.reset(5);
      const actions = new Float32Array(3 * 7).fill(1.5);
      for (let s = 0; s < 5; s++) await vec.step(actions);
      const states = JSON.parse(JSON.stringify(await vec.getState()));
      assert.equal(states.length, 3);
      await ref.reset(77);
      await ref.setState(states);
      for (let s = 0; s < 10; s++) {
        const a = Array.from((await vec.step(actions)).obs);
        const b = Array.from((await ref.step(actions)).obs);
        assert.deepEqual(a, b);
      }
      await vec.setState(await ref.getState());
      assert.deepEqual(
        Array.from((await vec.step(actions)).obs),
        Array.from((await ref.step(actions)).obs),
      );
    } finally {
      await vec.close();
      await ref.close();
    }
  });

  test('bad calls: wrong action size, use after close, errors from a worker carry its slice', async () => {
    const vec = await makeVecEnv('reacher-2dof', { numEnvs: 2, workers: 2 });
    await vec.reset(0);
    await assert.rejects(
      vec.step(new Float64Array(3)),
      /actions has 3 entries, expected numEnvs × actionSize = 2 × 2 = 4/,
    );
    await assert.rejects(
      vec.step(Float64Array.from([0, 0, NaN, 0])),
      /worker 1 \(envs 1\.\.1\): .*action\[0\] = NaN/,
    );
    await vec.close();
    await assert.rejects(vec.step(new Float64Array(4)), /used after close/);
    await assert.rejects(makeVecEnv('reacher-2dof', { numEnvs: 0 }), /numEnvs = 0/);
  });
});
