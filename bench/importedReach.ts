/**
 * Learning figures of issue 15 on imported arms (NOT part of the test suite):
 *
 *   reach on an imported 6-joint UR-type and 7-joint Panda-type arm, 3 seeds each, within the
 *   built-in arm's step budget (arm7-reach: 1M steps): median final distance ≤ 2 cm and success
 *   ≥ 95 % over 200 deterministic evaluation episodes.
 *
 * Each arm is the URDF the robot room's tests write from the published kinematics
 * (test/robot/fixtures.ts), with generated binary STL collision meshes reached through
 * `package://`, imported through the real CLI with `--no-collision` (a free-space task) and every
 * other option at its default (joint armature and damping: the importer's defaults for a URDF,
 * src/robot/jointDynamics.ts). Each run is the real CLI as a user types it:
 *
 *   torquepilot robot import <urdf> --out <dir> --package-path <root> --no-collision
 *   torquepilot train --robot <dir> --task reach --seed S --steps N --out <run>
 *   torquepilot eval --checkpoint <run> --episodes 200 --deterministic --json
 *
 * `train` picks the train.yaml of the kind's built-in task (models/arm7-reach/train.yaml: arm7's
 * hyperparameters) since no models/<robot>-reach/ exists. Prints a table, the exact commands and
 * JSON (also written to <out>/results.json).
 *
 *   npx tsx bench/importedReach.ts                       # 2 arms × 3 seeds × 1M steps (long)
 *   npx tsx bench/importedReach.ts --quick               # 20k steps, one seed, 10 episodes
 *   npx tsx bench/importedReach.ts --arms ur --seeds 0 --parallel 2 --json
 *   npx tsx bench/importedReach.ts --arm7-dynamics   # import with arm7's --damping / --armature
 *   npx tsx bench/importedReach.ts --import-flags "--armature 0 --damping 0"   # no joint dynamics
 *
 * `--arm7-dynamics` imports with arm7's joint damping and armature (rotor inertia), as a user does
 * with their arm's datasheet values, e.g. for the Panda-type arm:
 *
 *   torquepilot robot import <urdf> ... --damping 5,5,5,5,1,1,1 --armature 0.1,0.1,0.1,0.1,0.05,0.05,0.05
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMetrics } from '../src/train/index.js';
import {
  makePackage,
  PANDA_MESH_NAMES,
  pandaUrdf,
  UR_MESH_NAMES,
  urUrdf,
  writeBoxMeshes,
} from '../test/robot/fixtures.js';
import { runTorquepilot as torquepilot } from './cliRun.js';
import type { CliRun } from './cliRun.js';
import { benchArgs, numberArg, numberListArg } from './benchArgs.js';
import { runJobPool } from './jobPool.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Goals of the issue: median final distance (m) and success rate, within arm7-reach's budget. */
const GOAL_DISTANCE = 0.02;
const GOAL_SUCCESS = 0.95;
const BUDGET = 1_000_000;

interface Arm {
  readonly name: string;
  readonly joints: number;
  /** The URDF, its collision meshes at `package://<pkg>/meshes/`. */
  readonly urdf: (meshPrefix: string) => string;
  readonly pkg: string;
  readonly meshes: readonly string[];
  /** `--arm7-dynamics`: [damping N·m·s/rad, armature kg·m²] per joint, arm7's classes. */
  readonly arm7Dynamics: readonly (readonly [number, number])[];
}

const BIG = [5, 0.1] as const;
const SMALL = [1, 0.05] as const;

const ARMS: readonly Arm[] = [
  {
    name: 'ur',
    joints: 6,
    urdf: (meshPrefix) => urUrdf({ meshPrefix }),
    pkg: 'ur_test',
    meshes: UR_MESH_NAMES,
    arm7Dynamics: [BIG, BIG, BIG, BIG, BIG, BIG],
  },
  {
    name: 'panda',
    joints: 7,
    urdf: (meshPrefix) => pandaUrdf({ meshPrefix }),
    pkg: 'panda_test',
    meshes: PANDA_MESH_NAMES,
    arm7Dynamics: [BIG, BIG, BIG, BIG, SMALL, SMALL, SMALL],
  },
];

interface Args {
  arms: string[];
  seeds: number[];
  steps: number;
  parallel: number;
  evalEpisodes: number;
  json: boolean;
  out: string;
  arm7Dynamics: boolean;
  /** Extra `robot import` flags, as typed (e.g. `--armature 0 --damping 0`). */
  importFlags: string[];
}

function parseCliArgs(argv: readonly string[]): Args {
  const B = 'importedReach';
  const v = benchArgs(
    B,
    {
      arms: { type: 'string', default: ARMS.map((x) => x.name).join(',') },
      seeds: { type: 'string', default: '0,1,2' },
      steps: { type: 'string', default: String(BUDGET) },
      parallel: { type: 'string', default: '1' },
      'eval-episodes': { type: 'string', default: '200' },
      out: { type: 'string', default: join(ROOT, 'bench', 'out', 'importedReach') },
      json: { type: 'boolean' },
      'arm7-dynamics': { type: 'boolean' },
      'import-flags': { type: 'string', default: '' },
      quick: { type: 'boolean' },
    },
    argv,
  );
  const a: Args = {
    arms: v.arms.split(','),
    seeds: numberListArg(B, 'seeds', v.seeds, { integer: true, min: 0 }),
    steps: numberArg(B, 'steps', v.steps, { integer: true, min: 1 }),
    parallel: numberArg(B, 'parallel', v.parallel, { integer: true, min: 1 }),
    evalEpisodes: numberArg(B, 'eval-episodes', v['eval-episodes'], { integer: true, min: 1 }),
    json: v.json === true,
    out: v.out,
    arm7Dynamics: v['arm7-dynamics'] === true,
    importFlags: v['import-flags'].split(' ').filter((w) => w !== ''),
  };
  if (v.quick === true) {
    a.steps = 20_000;
    a.seeds = [0];
    a.evalEpisodes = 10;
  }
  for (const name of a.arms) {
    if (!ARMS.some((x) => x.name === name)) {
      throw new Error(
        `bench/${B}: --arms ${name}: unknown arm; expected ${ARMS.map((x) => x.name).join(', ')}`,
      );
    }
  }
  return a;
}

async function checked(args: readonly string[]): Promise<CliRun> {
  const r = await torquepilot(args);
  if (r.code !== 0) {
    throw new Error(`bench/importedReach: torquepilot ${args.join(' ')} failed:\n${r.stderr}`);
  }
  return r;
}

/** Write the arm's package (meshes) and URDF under `root`, import it; returns the robot folder. */
async function importArm(
  arm: Arm,
  root: string,
  arm7Dynamics: boolean,
  importFlags: readonly string[],
): Promise<{ dir: string; command: string; seconds: number }> {
  const pkg = makePackage(join(root, 'src'), arm.pkg);
  writeBoxMeshes(pkg, arm.meshes);
  const urdf = join(root, `${arm.name}.urdf`);
  writeFileSync(urdf, arm.urdf(`package://${arm.pkg}/meshes/`));
  const dir = join(root, 'robots', arm.name);
  const args = [
    'robot',
    'import',
    urdf,
    '--out',
    dir,
    '--package-path',
    join(root, 'src'),
    '--no-collision',
    ...(arm7Dynamics ? dynamicsFlags(arm) : []),
    ...importFlags,
  ];
  const r = await checked(args);
  return { dir, command: `torquepilot ${args.join(' ')}`, seconds: r.seconds };
}

/**
 * `--arm7-dynamics`: arm7's joint damping and armature as `robot import` flags (they replace the
 * URDF's damping; a URDF has no armature). One value when all joints share it, else one per joint.
 */
function dynamicsFlags(arm: Arm): string[] {
  const list = (k: 0 | 1): string => {
    const values = arm.arm7Dynamics.map((d) => d[k]);
    return values.every((v) => v === values[0]) ? String(values[0]) : values.join(',');
  };
  return ['--damping', list(0), '--armature', list(1)];
}

interface RunResult {
  arm: string;
  joints: number;
  seed: number;
  steps: number;
  trainCommand: string;
  evalCommand: string;
  /** Steps at which the periodic (10-episode) eval first had final distance ≤ 2 cm (null: never). */
  stepsToGoal: number | null;
  medianFinalDistance: number | null;
  successRate: number | null;
  meanReturn: number;
  pass: boolean;
  /** Training loop env steps/s (rollout + update). */
  trainStepsPerSec: number;
  trainSeconds: number;
}

async function oneRun(arm: Arm, robotDir: string, seed: number, a: Args): Promise<RunResult> {
  const dir = join(a.out, 'runs', `${arm.name}-seed${seed}`);
  rmSync(dir, { recursive: true, force: true });
  const trainArgs = [
    'train',
    '--robot',
    robotDir,
    '--task',
    'reach',
    '--seed',
    String(seed),
    '--steps',
    String(a.steps),
    '--out',
    dir,
  ];
  const evalArgs = [
    'eval',
    '--checkpoint',
    dir,
    '--episodes',
    String(a.evalEpisodes),
    '--deterministic',
    '--json',
  ];
  const t = await checked([...trainArgs, '--progress', 'json', '--log-level', 'warn']);
  const done = t.stdout
    .split('\n')
    .filter((l) => l.includes('"type":"done"'))
    .map((l) => JSON.parse(l) as { stepsPerSec: number })[0];
  const e = await checked(evalArgs);
  const ev = JSON.parse(e.stdout.trim()) as {
    meanReturn: number;
    medianFinalDistance: number | null;
    successRate: number | null;
  };
  const first = readMetrics(join(dir, 'metrics.jsonl')).find(
    (l) => typeof l.evalFinalDistance === 'number' && l.evalFinalDistance <= GOAL_DISTANCE,
  );
  return {
    arm: arm.name,
    joints: arm.joints,
    seed,
    steps: a.steps,
    trainCommand: `torquepilot ${trainArgs.join(' ')}`,
    evalCommand: `torquepilot ${evalArgs.join(' ')}`,
    stepsToGoal: first?.steps ?? null,
    medianFinalDistance: ev.medianFinalDistance,
    successRate: ev.successRate,
    meanReturn: ev.meanReturn,
    pass:
      ev.medianFinalDistance !== null &&
      ev.medianFinalDistance <= GOAL_DISTANCE &&
      (ev.successRate ?? 0) >= GOAL_SUCCESS &&
      a.steps <= BUDGET,
    trainStepsPerSec: done?.stepsPerSec ?? 0,
    trainSeconds: t.seconds,
  };
}

function table(results: readonly RunResult[]): string {
  const rows = [
    [
      'arm',
      'joints',
      'seed',
      'steps',
      'steps to ≤2 cm',
      'median dist (cm)',
      'success',
      'train steps/s',
      'pass',
    ],
    ...results.map((r) => [
      r.arm,
      String(r.joints),
      String(r.seed),
      String(r.steps),
      r.stepsToGoal === null ? '—' : String(r.stepsToGoal),
      r.medianFinalDistance === null ? '—' : (r.medianFinalDistance * 100).toFixed(2),
      r.successRate === null ? '—' : `${(r.successRate * 100).toFixed(1)}%`,
      r.trainStepsPerSec.toFixed(0),
      r.pass ? 'yes' : 'NO',
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const a = parseCliArgs(process.argv.slice(2));
  rmSync(join(a.out, 'arms'), { recursive: true, force: true });
  mkdirSync(join(a.out, 'arms'), { recursive: true });
  const loadBefore = loadavg();
  const arms = ARMS.filter((x) => a.arms.includes(x.name));
  const imported = new Map<string, { dir: string; command: string; seconds: number }>();
  for (const arm of arms) {
    const robot = await importArm(arm, join(a.out, 'arms'), a.arm7Dynamics, a.importFlags);
    imported.set(arm.name, robot);
  }
  const jobs: Array<() => Promise<RunResult>> = [];
  for (const arm of arms) {
    const robot = imported.get(arm.name)!;
    for (const seed of a.seeds) jobs.push(() => oneRun(arm, robot.dir, seed, a));
  }
  const results = await runJobPool(jobs, a.parallel, (r) => {
    if (!a.json)
      process.stderr.write(`done: ${r.arm} seed ${r.seed} (${r.pass ? 'pass' : 'FAIL'})\n`);
  });
  results.sort((x, y) => x.arm.localeCompare(y.arm) || x.seed - y.seed);
  const summary = {
    goals: { medianFinalDistance: GOAL_DISTANCE, successRate: GOAL_SUCCESS, stepBudget: BUDGET },
    machine: {
      cpus: cpus().length,
      node: process.version,
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
    },
    trainConfig: 'models/arm7-reach/train.yaml',
    imports: Object.fromEntries([...imported].map(([k, v]) => [k, v.command])),
    evalEpisodes: a.evalEpisodes,
    arm7Dynamics: a.arm7Dynamics,
    results,
    pass: results.length > 0 && results.every((r) => r.pass),
  };
  writeFileSync(join(a.out, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (a.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const load = (l: readonly number[]): string => l.map((x) => x.toFixed(1)).join(' ');
  process.stdout.write(`${table(results)}\n\n`);
  process.stdout.write(
    `goals: median final distance ≤ ${GOAL_DISTANCE * 100} cm, success ≥ ${GOAL_SUCCESS * 100} % over ${a.evalEpisodes} deterministic episodes, ≤ ${BUDGET} steps\n`,
  );
  process.stdout.write(
    `machine: ${summary.machine.cpus} CPUs, load average ${load(loadBefore)} before, ${load(summary.machine.loadavgAfter)} after\n\ncommands:\n`,
  );
  for (const command of imported.values()) process.stdout.write(`  ${command.command}\n`);
  for (const r of results) process.stdout.write(`  ${r.trainCommand}\n  ${r.evalCommand}\n`);
  process.stdout.write(`\n${JSON.stringify(summary)}\n`);
}

await main();
