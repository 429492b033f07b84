/**
 * Domain randomisation (sim/randomization.ts): each term writes the MjModel field it claims (read
 * back from MuJoCo), within its range, drawn from the environment's seed; mj_setConst keeps the
 * derived quantities consistent; latency delays the applied torque by exactly k periods; noise has
 * the configured std; jitter changes the physics substeps per control step; a snapshot resumes bit
 * for bit, in-process and over worker threads.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEnv, makeVecEnv } from '../../sim/index.js';
import type { MujocoEnv } from '../../sim/index.js';
import { ARM_PRESET } from '../../src/config/index.js';
import type { RandomizeSpec } from '../../src/config/index.js';

const TASK = 'arm7-reach';
/** dof address = joint index on arm7 (seven hinges, no free joint). */
const DOFS = [0, 1, 2, 3, 4, 5, 6];
/** Link bodies with mass: link0 (base) .. link7. */
const BODIES = [1, 2, 3, 4, 5, 6, 7, 8];

const f64 = (x: unknown): Float64Array => x as Float64Array;

async function withEnv<T>(spec: RandomizeSpec | undefined, fn: (env: MujocoEnv) => T): Promise<T> {
  const env = await makeEnv(TASK, spec === undefined ? {} : { randomize: spec });
  try {
    return fn(env);
  } finally {
    env.close();
  }
}

/** Copies of a few model fields after reset(seed). */
async function fieldsAfterReset(spec: RandomizeSpec | undefined, seed: number) {
  return withEnv(spec, (env) => {
    env.reset(seed);
    const m = env.model;
    return {
      mass: Array.from(f64(m.body_mass)),
      inertia: Array.from(f64(m.body_inertia)),
      subtreemass: Array.from(f64(m.body_subtreemass)),
      damping: Array.from(f64(m.dof_damping)),
      frictionloss: Array.from(f64(m.dof_frictionloss)),
      armature: Array.from(f64(m.dof_armature)),
      gear: Array.from(f64(m.actuator_gear)),
      invweight: Array.from(f64(m.dof_invweight0)),
      params: env.getState().task['randomization'] ?? [],
    };
  });
}

describe('randomisation terms write the model', () => {
  const cases: Array<{
    name: string;
    spec: RandomizeSpec;
    check: (
      r: Awaited<ReturnType<typeof fieldsAfterReset>>,
      n: Awaited<ReturnType<typeof fieldsAfterReset>>,
    ) => void;
  }> = [
    {
      name: 'mass (scale): body_mass and body_inertia by the same factor; subtree masses follow',
      spec: { mass: { range: [0.7, 1.3], operation: 'scale' } },
      check: (r, n) => {
        for (const b of BODIES) {
          const s = (r.mass[b] as number) / (n.mass[b] as number);
          assert.ok(s >= 0.7 && s < 1.3, `body ${b} scale ${s}`);
          assert.notEqual(s, 1);
          for (let k = 0; k < 3; k++) {
            const si = (r.inertia[3 * b + k] as number) / (n.inertia[3 * b + k] as number);
            assert.ok(Math.abs(si - s) < 1e-12, `inertia ${b}.${k}: ${si} vs ${s}`);
          }
        }
        // mj_setConst: the world's subtree mass is the sum of every body's mass.
        const total = r.mass.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs((r.subtreemass[0] as number) - total) < 1e-9);
        assert.notEqual(r.subtreemass[0], n.subtreemass[0]);
      },
    },
    {
      name: 'damping (scale)',
      spec: { damping: { range: [0.5, 2], operation: 'scale' } },
      check: (r, n) => {
        for (const d of DOFS) {
          const s = (r.damping[d] as number) / (n.damping[d] as number);
          assert.ok(s >= 0.5 && s < 2 && s !== 1, `dof ${d}: ${s}`);
        }
        assert.deepEqual(r.mass, n.mass);
      },
    },
    {
      name: 'frictionloss (add, N·m)',
      spec: { frictionloss: { range: [0.1, 0.4], operation: 'add' } },
      check: (r, n) => {
        for (const d of DOFS) {
          const added = (r.frictionloss[d] as number) - (n.frictionloss[d] as number);
          assert.ok(added >= 0.1 && added < 0.4, `dof ${d}: ${added}`);
        }
      },
    },
    {
      name: 'armature (abs, kg·m²): dof_invweight0 recomputed',
      spec: { armature: { range: [0.2, 0.3], operation: 'abs' } },
      check: (r, n) => {
        for (const d of DOFS) {
          assert.ok((r.armature[d] as number) >= 0.2 && (r.armature[d] as number) < 0.3);
        }
        assert.notDeepEqual(r.invweight, n.invweight);
      },
    },
    {
      name: 'strength (scale): actuator_gear per actuator',
      spec: { strength: { range: [0.8, 0.9], operation: 'scale' } },
      check: (r, n) => {
        for (let i = 0; i < 7; i++) {
          const s = (r.gear[6 * i] as number) / (n.gear[6 * i] as number);
          assert.ok(s >= 0.8 && s < 0.9, `actuator ${i}: ${s}`);
        }
      },
    },
    {
      name: 'gravcomp: a no-op on an arm that compensates nothing',
      spec: { gravcomp: { range: [0.5, 0.6], operation: 'scale' } },
      check: (r, n) => {
        assert.deepEqual(r.mass, n.mass);
        assert.equal(r.params.length, 0);
      },
    },
    {
      name: 'payload: mass added to the flange link, subtree masses follow',
      spec: { payload: { mass: [0.4, 0.6], radius: 0.03 } },
      check: (r, n) => {
        const added = (r.mass[8] as number) - (n.mass[8] as number);
        assert.ok(added >= 0.4 && added < 0.6, `payload ${added}`);
        assert.deepEqual(r.mass.slice(0, 8), n.mass.slice(0, 8));
        assert.ok(Math.abs((r.subtreemass[8] as number) - (r.mass[8] as number)) < 1e-12);
        assert.ok(
          Math.abs((r.subtreemass[0] as number) - (n.subtreemass[0] as number) - added) < 1e-9,
        );
      },
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const nominal = await fieldsAfterReset(undefined, 3);
      const r = await fieldsAfterReset(c.spec, 3);
      c.check(r, nominal);
    });
  }

  test('the nominal model is untouched and restored: a second episode starts from nominal values', async () => {
    await withEnv({ mass: { range: [2, 2], operation: 'scale' } }, (env) => {
      env.reset(1);
      const first = Array.from(f64(env.model.body_mass));
      env.resetNext();
      // Fixed ×2 of the nominal, not ×4 of the previous episode's.
      assert.deepEqual(Array.from(f64(env.model.body_mass)), first);
    });
  });
});

describe('draws come from the seed', () => {
  test('same seed, same draws; another seed, other draws; initial state and target as without', async () => {
    const a = await fieldsAfterReset(ARM_PRESET, 11);
    const b = await fieldsAfterReset(ARM_PRESET, 11);
    const c = await fieldsAfterReset(ARM_PRESET, 12);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.params, c.params);
    assert.notDeepEqual(a.mass, c.mass);
    // Task draws come first: the target (obs 17..19) equals the nominal environment's.
    const targets = await Promise.all(
      [undefined, ARM_PRESET].map((spec) =>
        withEnv(spec, (env) => Array.from(env.reset(11)).slice(17)),
      ),
    );
    assert.deepEqual(targets[0], targets[1]);
  });
});

describe('latency', () => {
  test('with k = 2 the applied ctrl is the action of two steps earlier, zeros first', async () => {
    await withEnv({ latency: { periods: [2, 2] } }, (env) => {
      env.reset(0);
      assert.equal(env.latency, 2);
      const action = (t: number) => Array.from({ length: 7 }, (_, i) => (t + 1) * 0.5 + i * 0.01);
      for (let t = 0; t < 8; t++) {
        env.step(action(t));
        const ctrl = env.getState().physics['ctrl'] as readonly number[];
        const expected = t < 2 ? new Array<number>(7).fill(0) : action(t - 2);
        assert.deepEqual(Array.from(ctrl), expected, `step ${t}`);
      }
    });
  });

  test('k is drawn per episode within [min, max]', async () => {
    await withEnv({ latency: { periods: [0, 3] } }, (env) => {
      const seen = new Set<number>();
      env.reset(0);
      for (let e = 0; e < 40; e++) {
        seen.add(env.latency);
        env.resetNext();
      }
      assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
    });
  });
});

describe('observation noise', () => {
  test('q and q̇ in the observation carry Gaussian noise of the configured std; the state does not', async () => {
    const sq = 0.01;
    const sv = 0.1;
    const run = (spec: RandomizeSpec | undefined) =>
      withEnv(spec, (env) => {
        const rows: number[][] = [Array.from(env.reset(4))];
        for (let t = 0; t < 149; t++) rows.push(Array.from(env.step(new Float64Array(7)).obs));
        return rows;
      });
    const clean = await run(undefined);
    const noisy = await run({ noise: { qpos: sq, qvel: sv } });
    const dq: number[] = [];
    const dv: number[] = [];
    clean.forEach((row, t) => {
      for (let i = 0; i < 7; i++) {
        dq.push((noisy[t]?.[i] as number) - (row[i] as number));
        dv.push((noisy[t]?.[7 + i] as number) - (row[7 + i] as number));
      }
      // Target and target − flange come from the true state.
      assert.deepEqual(noisy[t]?.slice(14), row.slice(14));
    });
    for (const [d, std] of [
      [dq, sq],
      [dv, sv],
    ] as const) {
      const mean = d.reduce((a, b) => a + b, 0) / d.length;
      const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1));
      // 1050 draws: the sample std is within ±6 % (≈ 3 standard errors), the mean within 4 SE.
      assert.ok(Math.abs(sd / std - 1) < 0.065, `std ${sd} vs ${std}`);
      assert.ok(Math.abs(mean) < (4 * std) / Math.sqrt(d.length), `mean ${mean}`);
    }
  });
});

describe('control-period jitter', () => {
  test('each step advances frameSkip ± substeps physics steps', async () => {
    await withEnv({ jitter: { substeps: 1 } }, (env) => {
      env.reset(0);
      const timestep = env.spec.dt / 5;
      const seen = new Set<number>();
      let before = env.getState().time;
      for (let t = 0; t < 60; t++) {
        env.step(new Float64Array(7));
        const now = env.getState().time;
        seen.add(Math.round((now - before) / timestep));
        before = now;
      }
      assert.deepEqual([...seen].sort(), [4, 5, 6]);
    });
  });

  test('jitter ≥ frame skip is refused, naming the key and value', async () => {
    await assert.rejects(
      makeEnv(TASK, { randomize: { jitter: { substeps: 5 } } }),
      /randomize\.jitter\.substeps' = 5: expected < frame skip 5/,
    );
  });
});

describe('exact resume', () => {
  test('a snapshot mid-episode continues bit for bit (model draws, delay line, streams)', async () => {
    const a = await makeEnv(TASK, { randomize: ARM_PRESET });
    const b = await makeEnv(TASK, { randomize: ARM_PRESET });
    try {
      const act = (t: number) => Array.from({ length: 7 }, (_, i) => 10 * Math.sin(0.3 * t + i));
      a.reset(9);
      for (let t = 0; t < 100; t++) a.step(act(t));
      const snapshot = JSON.parse(JSON.stringify(a.getState()));
      b.reset(123); // another episode's model, to be overwritten by the snapshot's
      b.setState(snapshot);
      assert.deepEqual(Array.from(f64(b.model.body_mass)), Array.from(f64(a.model.body_mass)));
      // 100 more steps cross the episode end (150) into a freshly drawn episode.
      for (let t = 100; t < 200; t++) {
        const ra = a.step(act(t));
        const rb = b.step(act(t));
        assert.deepEqual(Array.from(rb.obs), Array.from(ra.obs), `step ${t}`);
        assert.equal(rb.reward, ra.reward);
        if (ra.truncated) {
          assert.deepEqual(Array.from(b.resetNext()), Array.from(a.resetNext()));
        }
      }
      assert.deepEqual(b.getState(), a.getState());
    } finally {
      a.close();
      b.close();
    }
  });

  test('worker threads give the same results as in-process, with randomisation on', async () => {
    const runs = [];
    for (const workers of [0, 1]) {
      const vec = await makeVecEnv(TASK, { numEnvs: 2, workers, randomize: ARM_PRESET });
      try {
        await vec.reset(5);
        const actions = new Float64Array(14).fill(3);
        let last: number[] = [];
        for (let t = 0; t < 30; t++) last = Array.from((await vec.step(actions)).obs);
        runs.push({ last, states: await vec.getState() });
      } finally {
        await vec.close();
      }
    }
    assert.deepEqual(runs[1], runs[0]);
  });
});
