/**
 * Robot import figures (issue 15):
 *   1. import time of a 7-joint arm with collision meshes (goal ≤ 3 s): cold (the first import in
 *      a process, WASM instantiation included) and warm (median of the next ones);
 *   2. environment steps/s of an imported arm without collision vs its raw mj_step loop on the same
 *      model (goal ≥ 0.8×), measured as bench/simBench.ts does (same random actions, same resets).
 *
 * The arm is a Panda-type 7-joint URDF written here (Franka's published joint origins, limits and
 * masses) with generated binary STL capsules of `--triangles` facets per link, as real collision
 * meshes have a few thousand. Figure 2 runs the imported folder as a user does, `--robot <folder>
 * --task reach` (the reach kind's defaults, the robot.yaml's workspace), imported at 100 Hz
 * (timestep 0.002 s × frame skip 5, as arm7-reach's frame skip).
 *
 * Usage: npx tsx bench/robotImport.ts [--steps 20000] [--repeats 3] [--triangles 4000] [--json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadMujoco, makeEnv, TaskModel } from '../sim/index.js';
import type { TaskModelOptions } from '../sim/index.js';
import { importRobot } from '../src/robot/index.js';
import { Random } from '../src/util/index.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20000' },
    repeats: { type: 'string', default: '3' },
    triangles: { type: 'string', default: '4000' },
    json: { type: 'boolean', default: false },
  },
});
const STEPS = Number(values.steps);
const REPEATS = Number(values.repeats);
const TRIANGLES = Number(values.triangles);

// --- The arm: franka_description joint origins, Panda limits and masses (Gaz et al., RA-L 2019).
const HALF_PI = Math.PI / 2;
const ORIGINS = [
  ['0 0 0.333', '0 0 0'],
  ['0 0 0', `${-HALF_PI} 0 0`],
  ['0 -0.316 0', `${HALF_PI} 0 0`],
  ['0.0825 0 0', `${HALF_PI} 0 0`],
  ['-0.0825 0.384 0', `${-HALF_PI} 0 0`],
  ['0 0 0', `${HALF_PI} 0 0`],
  ['0.088 0 0', `${HALF_PI} 0 0`],
];
const RANGES = [
  [-2.8973, 2.8973],
  [-1.7628, 1.7628],
  [-2.8973, 2.8973],
  [-3.0718, -0.0698],
  [-2.8973, 2.8973],
  [-0.0175, 3.7525],
  [-2.8973, 2.8973],
];
const EFFORT = [87, 87, 87, 87, 12, 12, 12];
const MASS = [4.97, 0.647, 3.229, 3.588, 1.226, 1.667, 0.736];

/** A binary STL capsule-like ellipsoid (radius r, half-length h along z) of about `n` facets. */
function ellipsoidStl(r: number, h: number, n: number): Uint8Array {
  const rings = Math.max(3, Math.round(Math.sqrt(n / 4)));
  const segments = Math.max(3, Math.round(n / (2 * rings)));
  const point = (i: number, j: number): number[] => {
    const theta = (Math.PI * i) / rings;
    const phi = (2 * Math.PI * j) / segments;
    return [
      r * Math.sin(theta) * Math.cos(phi),
      r * Math.sin(theta) * Math.sin(phi),
      h * Math.cos(theta),
    ];
  };
  const facets: number[][] = [];
  for (let i = 0; i < rings; i++) {
    for (let j = 0; j < segments; j++) {
      const [a, b, c, d] = [point(i, j), point(i + 1, j), point(i + 1, j + 1), point(i, j + 1)];
      facets.push(
        [...(a ?? []), ...(b ?? []), ...(c ?? [])],
        [...(a ?? []), ...(c ?? []), ...(d ?? [])],
      );
    }
  }
  const view = new DataView(new ArrayBuffer(84 + 50 * facets.length));
  view.setUint32(80, facets.length, true);
  facets.forEach((f, k) => f.forEach((v, m) => view.setFloat32(84 + 50 * k + 12 + 4 * m, v, true)));
  return new Uint8Array(view.buffer);
}

/** Writes the package `panda_bench` (meshes) and the URDF; returns the URDF path. */
function writeArm(root: string): string {
  const pkg = join(root, 'panda_bench');
  mkdirSync(join(pkg, 'meshes'), { recursive: true });
  writeFileSync(
    join(pkg, 'package.xml'),
    '<package format="3"><name>panda_bench</name></package>\n',
  );
  const parts: string[] = [];
  for (let i = 0; i <= 7; i++) {
    writeFileSync(join(pkg, 'meshes', `link${i}.stl`), ellipsoidStl(0.06, 0.1, TRIANGLES));
    const mass = i === 0 ? 2.9 : (MASS[i - 1] ?? 1);
    const inertia = `<inertia ixx="${0.01 * mass}" iyy="${0.01 * mass}" izz="${0.005 * mass}" ixy="0" ixz="0" iyz="0"/>`;
    parts.push(
      `<link name="link${i}"><inertial><mass value="${mass}"/>${inertia}</inertial>` +
        `<collision><geometry><mesh filename="package://panda_bench/meshes/link${i}.stl"/></geometry></collision></link>`,
    );
    if (i === 0) continue;
    const [xyz, rpy] = ORIGINS[i - 1] ?? [];
    const [lower, upper] = RANGES[i - 1] ?? [];
    parts.push(
      `<joint name="joint${i}" type="revolute"><parent link="link${i - 1}"/><child link="link${i}"/>` +
        `<origin xyz="${xyz}" rpy="${rpy}"/><axis xyz="0 0 1"/><limit lower="${lower}" upper="${upper}" effort="${EFFORT[i - 1]}" velocity="2.5"/>` +
        `<dynamics damping="${i <= 4 ? 5 : 1}"/></joint>`,
    );
  }
  parts.push(
    '<link name="link8"/>',
    '<joint name="joint8" type="fixed"><origin xyz="0 0 0.107"/><parent link="link7"/><child link="link8"/></joint>',
  );
  const urdf = join(root, 'panda_bench.urdf');
  writeFileSync(urdf, `<robot name="panda_bench">${parts.join('')}</robot>\n`);
  return urdf;
}

// --- Throughput, as bench/simBench.ts measures it (one "step" = one environment step).
const ACTION_ROWS = 1024;

function actions(low: Float64Array, high: Float64Array, seed: number): Float64Array {
  const rng = new Random(seed);
  const table = new Float64Array(ACTION_ROWS * low.length);
  for (let k = 0; k < table.length; k++) {
    const i = k % low.length;
    table[k] = rng.uniformRange(low[i] ?? 0, high[i] ?? 0);
  }
  return table;
}

interface Rate {
  readonly perSec: number;
  readonly perCpuSec: number;
}

function timed(steps: number, run: (n: number) => void): Rate {
  run(Math.ceil(steps / 10));
  const wall = performance.now();
  const cpu = process.cpuUsage();
  run(steps);
  const used = process.cpuUsage(cpu);
  return {
    perSec: steps / ((performance.now() - wall) / 1000),
    perCpuSec: steps / ((used.user + used.system) / 1e6),
  };
}

async function rawRate(options: TaskModelOptions, seed: number): Promise<Rate> {
  const mj = await loadMujoco();
  const tm = TaskModel.load(mj, 'reach', options);
  const data = new mj.MjData(tm.model);
  try {
    const { spec, model } = tm;
    const table = actions(spec.actionLow, spec.actionHigh, seed);
    const na = spec.actionSize;
    const rng = new Random(seed);
    const target = new Float64Array(3);
    let step = 0;
    return timed(STEPS, (n) => {
      for (let s = 0; s < n; s++, step++) {
        if (step % spec.horizon === 0) {
          mj.mj_resetData(model, data);
          tm.task.reset(rng, {
            qpos: data.qpos as Float64Array,
            qvel: data.qvel as Float64Array,
            target,
            observedQposAdr: tm.observedQposAdr,
            observedDofAdr: tm.observedDofAdr,
          });
          mj.mj_forward(model, data);
        }
        const ctrl = data.ctrl as Float64Array;
        const row = (step % ACTION_ROWS) * na;
        for (let i = 0; i < na; i++) ctrl[i] = table[row + i] as number;
        for (let k = 0; k < tm.timing.frameSkip; k++) mj.mj_step(model, data);
      }
    });
  } finally {
    data.delete();
    tm.close();
  }
}

async function envRate(options: TaskModelOptions, seed: number): Promise<Rate> {
  const env = await makeEnv('reach', options);
  try {
    const table = actions(env.spec.actionLow, env.spec.actionHigh, seed);
    const na = env.spec.actionSize;
    env.reset(seed);
    let step = 0;
    return timed(STEPS, (n) => {
      for (let s = 0; s < n; s++, step++) {
        const row = (step % ACTION_ROWS) * na;
        const r = env.step(table.subarray(row, row + na));
        if (r.terminated || r.truncated) env.resetNext();
      }
    });
  } finally {
    env.close();
  }
}

const root = mkdtempSync(join(tmpdir(), 'torquepilot-bench-import-'));
try {
  const urdf = writeArm(root);
  const importOnce = async (i: number, noCollision: boolean): Promise<number> => {
    const report = await importRobot({
      input: { kind: 'file', path: urdf },
      outDir: join(root, `out${i}`),
      packagePaths: [root],
      noCollision,
      controlRateHz: 100,
    });
    return report.seconds;
  };
  const cold = await importOnce(0, false);
  const warm: number[] = [];
  for (let i = 1; i <= REPEATS; i++) warm.push(await importOnce(i, false));
  warm.sort((a, b) => a - b);
  await importOnce(99, true);
  const options: TaskModelOptions = { robot: join(root, 'out99') };
  await rawRate(options, 0); // tier-up warm-up, discarded
  let raw: Rate = { perSec: 0, perCpuSec: 0 };
  let env: Rate = { perSec: 0, perCpuSec: 0 };
  for (let r = 0; r < REPEATS; r++) {
    const a = await rawRate(options, 0);
    const b = await envRate(options, 0);
    if (a.perSec > raw.perSec) raw = a;
    if (b.perSec > env.perSec) env = b;
  }
  const round3 = (x: number): number => Math.round(x * 1000) / 1000;
  const result = {
    triangles: TRIANGLES * 8,
    importColdSec: round3(cold),
    importWarmMedianSec: round3(warm[Math.floor(warm.length / 2)] ?? NaN),
    steps: STEPS,
    rawStepsPerSec: Math.round(raw.perSec),
    envStepsPerSec: Math.round(env.perSec),
    envOverRaw: round3(env.perSec / raw.perSec),
    envOverRawCpu: round3(env.perCpuSec / raw.perCpuSec),
    cores: availableParallelism(),
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      [
        `import of a 7-joint arm with 8 collision meshes (${result.triangles} facets): cold ${result.importColdSec} s, warm median ${result.importWarmMedianSec} s (goal ≤ 3 s)`,
        `imported arm, no collision, --robot <folder> --task reach, best of ${REPEATS}: raw mj_step loop ${result.rawStepsPerSec} steps/s, env ${result.envStepsPerSec} steps/s`,
        `  env / raw = ${result.envOverRaw} (CPU time: ${result.envOverRawCpu}) (goal ≥ 0.8); load average ${result.loadAverage1m} on ${result.cores} cores`,
        '',
      ].join('\n'),
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
