/**
 * Simulation throughput, measured three ways on the same model (used by `torquepilot sim-bench`,
 * registered from bench/simBenchCommand.ts, and by bench/sim.ts):
 *
 * - rawStepsPerSec: a bare loop `ctrl ← action; mj_step × frameSkip`, with a reset (mj_resetData,
 *   the task's initial-state draw, mj_forward) every `horizon` steps. One "step" is one environment
 *   step (frameSkip physics steps), so the three figures count the same unit.
 * - envStepsPerSec: one MujocoEnv, `step(action)` with auto-reset on terminated/truncated.
 * - vectorStepsPerSec: a worker-pool VecEnv (`workers` threads, `numEnvs` environments), counting
 *   numEnvs environment steps per batched step.
 *
 * All three apply the same uniformly random actions over each actuator's ctrlrange, drawn from a
 * fixed seed, and start timing after a warm-up of 10 % of the steps (JIT, caches).
 */
import { loadMujoco, makeEnv, makeVecEnv, TaskModel } from '../sim/index.js';
import type { RandomizeSpec } from '../src/config/index.js';
import type { TaskSpec } from '../sim/index.js';
import { Random } from '../src/util/index.js';

export interface SimBenchOptions {
  /** Task name. */
  readonly task: string;
  /** Environment steps per measurement. */
  readonly steps: number;
  /** Worker threads of the vectorised run. */
  readonly workers: number;
  /** Environments of the vectorised run (default 8 per worker). */
  readonly numEnvs?: number;
  /** Seed of the action table and of the resets. */
  readonly seed?: number;
}

export interface SimBenchResult {
  readonly task: string;
  readonly steps: number;
  readonly frameSkip: number;
  readonly rawStepsPerSec: number;
  readonly envStepsPerSec: number;
  readonly vectorStepsPerSec: number;
  readonly workers: number;
  readonly numEnvs: number;
  /** envStepsPerSec / rawStepsPerSec. */
  readonly envOverRaw: number;
  /** The raw loop per second of CPU time (robust to other load on the machine). */
  readonly rawStepsPerCpuSec: number;
  /** One environment per second of CPU time. */
  readonly envStepsPerCpuSec: number;
  /** envStepsPerCpuSec / rawStepsPerCpuSec. */
  readonly envOverRawCpu: number;
}

/** Rows of random actions, cycled through. Shape: (rows, actionSize). */
const ACTION_ROWS = 1024;

function actionTable(spec: TaskSpec, seed: number): Float64Array {
  const rng = new Random(seed);
  const table = new Float64Array(ACTION_ROWS * spec.actionSize);
  for (let r = 0; r < ACTION_ROWS; r++) {
    for (let i = 0; i < spec.actionSize; i++) {
      table[r * spec.actionSize + i] = rng.uniformRange(
        spec.actionLow[i] ?? 0,
        spec.actionHigh[i] ?? 0,
      );
    }
  }
  return table;
}

/** Steps per second of wall time and per second of this process's CPU time (user + system). */
export interface Throughput {
  readonly perSec: number;
  readonly perCpuSec: number;
}

interface Clock {
  readonly wall: number;
  readonly cpu: NodeJS.CpuUsage;
}

function startClock(): Clock {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

/**
 * Throughput since `clock`. CPU time counts only while this process runs, so on a machine shared
 * with other load it estimates the unloaded single-thread speed (worker threads add their CPU time
 * too, so for the vectorised run only the wall figure is meaningful).
 */
function throughput(steps: number, clock: Clock): Throughput {
  const wall = (performance.now() - clock.wall) / 1000;
  const cpu = process.cpuUsage(clock.cpu);
  return { perSec: steps / wall, perCpuSec: steps / ((cpu.user + cpu.system) / 1e6) };
}

/** The bare mj_step loop (see file comment). Returns environment steps per second. */
export async function rawStepsPerSec(task: string, steps: number, seed = 0): Promise<Throughput> {
  const mj = await loadMujoco();
  const taskModel = TaskModel.load(mj, task);
  const { spec, model } = taskModel;
  const frameSkip = taskModel.task.frameSkip;
  const data = new mj.MjData(model);
  try {
    const table = actionTable(spec, seed);
    const na = spec.actionSize;
    // Resets draw the same initial states as the environment (same seed, same task draw), so for
    // a task without early termination (arm7-reach, reacher-2dof) both loops simulate the very same
    // trajectories and differ only by the environment layer's work.
    const rng = new Random(seed);
    const target = new Float64Array(3);
    let step = 0; // counts across warm-up and timed run, as the environment's episodes do
    let ctrl = data.ctrl as Float64Array;
    const run = (n: number): void => {
      for (let s = 0; s < n; s++, step++) {
        if (step % spec.horizon === 0) {
          mj.mj_resetData(model, data);
          taskModel.task.reset(rng, {
            qpos: data.qpos as Float64Array,
            qvel: data.qvel as Float64Array,
            target,
            observedQposAdr: taskModel.observedQposAdr,
            observedDofAdr: taskModel.observedDofAdr,
          });
          mj.mj_forward(model, data);
          ctrl = data.ctrl as Float64Array;
        }
        const row = (step % ACTION_ROWS) * na;
        for (let i = 0; i < na; i++) ctrl[i] = table[row + i] as number;
        for (let k = 0; k < frameSkip; k++) mj.mj_step(model, data);
      }
    };
    run(Math.ceil(steps / 10));
    const clock = startClock();
    run(steps);
    return throughput(steps, clock);
  } finally {
    data.delete();
    taskModel.close();
  }
}

/** One environment. Returns environment steps per second. */
export async function envStepsPerSec(task: string, steps: number, seed = 0): Promise<Throughput> {
  const env = await makeEnv(task);
  try {
    const table = actionTable(env.spec, seed);
    const na = env.spec.actionSize;
    env.reset(seed);
    let step = 0;
    const run = (n: number): void => {
      for (let s = 0; s < n; s++, step++) {
        const row = (step % ACTION_ROWS) * na;
        const r = env.step(table.subarray(row, row + na));
        if (r.terminated || r.truncated) env.resetNext();
      }
    };
    run(Math.ceil(steps / 10));
    const clock = startClock();
    run(steps);
    return throughput(steps, clock);
  } finally {
    env.close();
  }
}

/** A worker-pool VecEnv. Returns environment steps per second summed over environments. */
export async function vectorStepsPerSec(
  task: string,
  steps: number,
  workers: number,
  numEnvs: number,
  seed = 0,
  randomize?: RandomizeSpec,
): Promise<Throughput> {
  const vec = await makeVecEnv(task, { numEnvs, workers, ...(randomize ? { randomize } : {}) });
  try {
    const spec = vec.spec;
    const table = actionTable(spec, seed);
    const batch = numEnvs * spec.actionSize;
    const actions = new Float64Array(batch);
    await vec.reset(seed);
    const run = async (iterations: number): Promise<void> => {
      for (let it = 0; it < iterations; it++) {
        for (let j = 0; j < numEnvs; j++) {
          const row = ((it * numEnvs + j) % ACTION_ROWS) * spec.actionSize;
          actions.set(table.subarray(row, row + spec.actionSize), j * spec.actionSize);
        }
        await vec.step(actions);
      }
    };
    const iterations = Math.max(1, Math.ceil(steps / numEnvs));
    // Each worker is a fresh WASM instance that tiers up on its own: warm up at least 20k
    // environment steps in total before timing.
    await run(Math.max(Math.ceil(iterations / 10), Math.ceil(20000 / numEnvs)));
    const clock = startClock();
    await run(iterations);
    return throughput(iterations * numEnvs, clock);
  } finally {
    await vec.close();
  }
}

/** All three measurements (the `sim-bench` command's output). */
export async function runSimBench(options: SimBenchOptions): Promise<SimBenchResult> {
  const { task, steps, workers } = options;
  const seed = options.seed ?? 0;
  const numEnvs = options.numEnvs ?? 8 * workers;
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`sim-bench: --steps ${steps} must be a positive integer`);
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error(`sim-bench: --workers ${workers} must be ≥ 1`);
  const mj = await loadMujoco();
  const probe = TaskModel.load(mj, task);
  const frameSkip = probe.task.frameSkip;
  probe.close();
  // Warm-up, discarded: V8 first runs WASM with its baseline compiler and tiers hot functions up to
  // optimised code in the background; without this the first figure measured would be penalised.
  await rawStepsPerSec(task, Math.max(2000, Math.ceil(steps / 5)), seed);
  const raw = await rawStepsPerSec(task, steps, seed);
  const env = await envStepsPerSec(task, steps, seed);
  const vector = await vectorStepsPerSec(task, steps, workers, numEnvs, seed);
  return {
    task,
    steps,
    frameSkip,
    rawStepsPerSec: Math.round(raw.perSec),
    envStepsPerSec: Math.round(env.perSec),
    vectorStepsPerSec: Math.round(vector.perSec),
    workers,
    numEnvs,
    envOverRaw: Math.round((env.perSec / raw.perSec) * 1000) / 1000,
    rawStepsPerCpuSec: Math.round(raw.perCpuSec),
    envStepsPerCpuSec: Math.round(env.perCpuSec),
    envOverRawCpu: Math.round((env.perCpuSec / raw.perCpuSec) * 1000) / 1000,
  };
}
