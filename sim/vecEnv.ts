/**
 * Vectorised environments: N environments of one task stepped together, with auto-reset and the
 * final observation kept for truncation bootstrapping (sim/types.ts VecEnv).
 *
 * `workers: 0` runs them in this thread (one WASM instance, one shared MjModel). `workers: k > 0`
 * spreads contiguous slices over k worker threads (sim/workerPool.ts). Environment i is seeded from
 * (seed, i) by `envSeed`, so results are identical bit for bit whatever the worker count.
 */
import type { RandomizeSpec, TaskParams } from '../src/config/index.js';
import { allocateBuffers, checkActions, EnvBatch, resultOf } from './envBatch.js';
import { loadMujoco } from './mujoco.js';
import { TaskModel } from './taskModel.js';
import type { TaskModelOptions } from './taskModel.js';
import type { EnvState, TaskSpec, VecEnv, VecStepResult } from './types.js';
import { WorkerPoolVecEnv } from './workerPool.js';

export { envSeed } from './envBatch.js';

export interface MakeVecEnvOptions extends TaskModelOptions {
  /** Number of environments. */
  readonly numEnvs: number;
  /**
   * Worker threads: 0 steps every environment in this thread; k > 0 uses min(k, numEnvs) workers,
   * each with its own WASM instance and model. Default 0.
   */
  readonly workers?: number;
  /** Domain randomisation of every environment (src/config/randomize.ts); none when absent. */
  readonly randomize?: RandomizeSpec;
}

/** All environments in this thread. */
export class InProcessVecEnv implements VecEnv {
  readonly spec: TaskSpec;
  readonly numEnvs: number;
  readonly #batch: EnvBatch;
  readonly #result: VecStepResult;
  #closed = false;

  constructor(taskModel: TaskModel, numEnvs: number, randomize?: RandomizeSpec) {
    this.spec = taskModel.spec;
    this.numEnvs = numEnvs;
    const buffers = allocateBuffers(numEnvs, this.spec.obsSize, this.spec.actionSize);
    this.#batch = new EnvBatch(taskModel, 0, numEnvs, buffers, randomize);
    this.#result = resultOf(buffers);
  }

  #check(): void {
    if (this.#closed) throw new Error(`VecEnv(${this.spec.name}): used after close()`);
  }

  async reset(seed: number): Promise<Float64Array> {
    this.#check();
    this.#batch.reset(seed);
    return this.#batch.buffers.obs;
  }

  /** Synchronous step (what `step` does), for callers in the same thread that want no promise. */
  stepSync(actions: Float32Array | Float64Array): VecStepResult {
    this.#check();
    checkActions(actions, this.numEnvs, this.spec);
    this.#batch.buffers.actions.set(actions);
    this.#batch.step();
    return this.#result;
  }

  async step(actions: Float32Array | Float64Array): Promise<VecStepResult> {
    return this.stepSync(actions);
  }

  async getState(): Promise<readonly EnvState[]> {
    this.#check();
    return this.#batch.getState();
  }

  async setState(states: readonly EnvState[]): Promise<void> {
    this.#check();
    this.#batch.setState(states);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#batch.close();
  }
}

/**
 * N environments of `task`, in this thread (`workers: 0`, the default) or over worker threads.
 * Call `reset(seed)` before the first step.
 */
export async function makeVecEnv(
  task: string | TaskParams,
  options: MakeVecEnvOptions,
): Promise<VecEnv> {
  const { numEnvs, workers = 0 } = options;
  const label = typeof task === 'string' ? task : task.kind;
  if (!Number.isInteger(numEnvs) || numEnvs < 1) {
    throw new Error(`sim/makeVecEnv(${label}): numEnvs = ${numEnvs}, expected an integer ≥ 1`);
  }
  if (!Number.isInteger(workers) || workers < 0) {
    throw new Error(`sim/makeVecEnv(${label}): workers = ${workers}, expected an integer ≥ 0`);
  }
  const modelOptions: TaskModelOptions = {
    modelPath: options.modelPath,
    robotPath: options.robotPath,
    control: options.control,
    robot: options.robot,
  };
  if (workers === 0) {
    const mj = await loadMujoco();
    const taskModel = TaskModel.load(mj, task, modelOptions);
    try {
      return new InProcessVecEnv(taskModel, numEnvs, options.randomize);
    } catch (err) {
      taskModel.close();
      throw err;
    }
  }
  return WorkerPoolVecEnv.create(
    task,
    numEnvs,
    Math.min(workers, numEnvs),
    modelOptions,
    options.randomize,
  );
}
