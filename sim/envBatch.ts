/**
 * A slice of a vectorised environment, stepped synchronously in one thread: environments
 * [offset, offset + count) of the whole batch, sharing one TaskModel (one MjModel, one MjData each).
 * Both the in-process VecEnv and each worker thread run one of these, writing into the same buffer
 * layout, so the two give identical results bit for bit.
 */
import type { RandomizeSpec } from '../src/config/index.js';
import { MujocoEnv } from './env.js';
import type { TaskModel } from './taskModel.js';
import type { EnvState, TaskSpec, VecStepResult } from './types.js';

/**
 * The batch's input and output arrays for this slice. Rows are environments (row-major).
 * In a worker they are views on SharedArrayBuffers; in-process they are plain typed arrays.
 */
export interface BatchBuffers {
  /** Shape: (count, actionSize). */
  readonly actions: Float64Array;
  /** Shape: (count, obsSize). */
  readonly obs: Float64Array;
  /** Shape: (count, obsSize). */
  readonly finalObs: Float64Array;
  /** Shape: (count). */
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly clipped: Uint32Array;
  readonly distance: Float64Array;
  readonly success: Uint8Array;
}

/** Allocate plain (non-shared) buffers, or views over `shared` memory when given. */
export function allocateBuffers(
  count: number,
  obsSize: number,
  actionSize: number,
  shared?: SharedBatchMemory,
  offset = 0,
): BatchBuffers {
  if (shared === undefined) {
    return {
      actions: new Float64Array(count * actionSize),
      obs: new Float64Array(count * obsSize),
      finalObs: new Float64Array(count * obsSize),
      rewards: new Float64Array(count),
      terminated: new Uint8Array(count),
      truncated: new Uint8Array(count),
      clipped: new Uint32Array(count),
      distance: new Float64Array(count),
      success: new Uint8Array(count),
    };
  }
  return {
    actions: new Float64Array(shared.actions, offset * actionSize * 8, count * actionSize),
    obs: new Float64Array(shared.obs, offset * obsSize * 8, count * obsSize),
    finalObs: new Float64Array(shared.finalObs, offset * obsSize * 8, count * obsSize),
    rewards: new Float64Array(shared.rewards, offset * 8, count),
    terminated: new Uint8Array(shared.terminated, offset, count),
    truncated: new Uint8Array(shared.truncated, offset, count),
    clipped: new Uint32Array(shared.clipped, offset * 4, count),
    distance: new Float64Array(shared.distance, offset * 8, count),
    success: new Uint8Array(shared.success, offset, count),
  };
}

/** The SharedArrayBuffers behind a worker-pool batch (whole batch, all slices). */
export interface SharedBatchMemory {
  readonly actions: SharedArrayBuffer;
  readonly obs: SharedArrayBuffer;
  readonly finalObs: SharedArrayBuffer;
  readonly rewards: SharedArrayBuffer;
  readonly terminated: SharedArrayBuffer;
  readonly truncated: SharedArrayBuffer;
  readonly clipped: SharedArrayBuffer;
  readonly distance: SharedArrayBuffer;
  readonly success: SharedArrayBuffer;
}

export function allocateSharedMemory(
  numEnvs: number,
  obsSize: number,
  actionSize: number,
): SharedBatchMemory {
  return {
    actions: new SharedArrayBuffer(numEnvs * actionSize * 8),
    obs: new SharedArrayBuffer(numEnvs * obsSize * 8),
    finalObs: new SharedArrayBuffer(numEnvs * obsSize * 8),
    rewards: new SharedArrayBuffer(numEnvs * 8),
    terminated: new SharedArrayBuffer(numEnvs),
    truncated: new SharedArrayBuffer(numEnvs),
    clipped: new SharedArrayBuffer(numEnvs * 4),
    distance: new SharedArrayBuffer(numEnvs * 8),
    success: new SharedArrayBuffer(numEnvs),
  };
}

/**
 * The seed of environment `index` of a batch reset with `seed`: a fixed function of both, so that
 * environment i behaves the same whatever the worker count. (Random's splitmix32 seeding scrambles
 * it further.)
 */
export function envSeed(seed: number, index: number): number {
  if (!Number.isInteger(seed) || !Number.isInteger(index) || index < 0) {
    throw new Error(
      `sim/envSeed: seed and index must be integers (index ≥ 0), got ${seed}, ${index}`,
    );
  }
  return ((seed >>> 0) ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
}

export class EnvBatch {
  readonly envs: readonly MujocoEnv[];
  readonly offset: number;
  readonly #taskModel: TaskModel;
  readonly #buffers: BatchBuffers;
  #closed = false;

  /**
   * `count` environments with global indices starting at `offset`, on a shared model it frees on
   * close; each randomised by `randomize` when given (then each steps a model of its own).
   */
  constructor(
    taskModel: TaskModel,
    offset: number,
    count: number,
    buffers: BatchBuffers,
    randomize?: RandomizeSpec,
  ) {
    this.#taskModel = taskModel;
    this.offset = offset;
    this.#buffers = buffers;
    const envs: MujocoEnv[] = [];
    try {
      for (let j = 0; j < count; j++) envs.push(new MujocoEnv(taskModel, false, randomize));
    } catch (err) {
      for (const env of envs) env.close();
      throw err;
    }
    this.envs = envs;
  }

  get buffers(): BatchBuffers {
    return this.#buffers;
  }

  /** Reset environment offset + j with envSeed(seed, offset + j); observations into `buffers.obs`. */
  reset(seed: number): void {
    const { obs } = this.#buffers;
    const obsSize = this.#taskModel.spec.obsSize;
    this.envs.forEach((env, j) => {
      obs.set(env.reset(envSeed(seed, this.offset + j)), j * obsSize);
    });
  }

  /**
   * Step every environment with its row of `buffers.actions`; auto-reset (continuing each one's
   * random stream) those that terminate or truncate, keeping their last observation in `finalObs`.
   */
  step(): void {
    const b = this.#buffers;
    const { obsSize, actionSize } = this.#taskModel.spec;
    const envs = this.envs;
    for (let j = 0; j < envs.length; j++) {
      const env = envs[j] as MujocoEnv;
      b.rewards[j] = env.stepFrom(b.actions, j * actionSize);
      const terminated = env.lastTerminated;
      const truncated = env.lastTruncated;
      b.terminated[j] = terminated ? 1 : 0;
      b.truncated[j] = truncated ? 1 : 0;
      b.clipped[j] = env.lastClipped;
      b.distance[j] = env.lastDistance;
      b.success[j] = env.lastSuccess ? 1 : 0;
      if (terminated || truncated) {
        b.finalObs.set(env.obs, j * obsSize);
        b.obs.set(env.resetNext(), j * obsSize);
      } else {
        b.obs.set(env.obs, j * obsSize);
      }
    }
  }

  getState(): EnvState[] {
    return this.envs.map((env) => env.getState());
  }

  /** Restore every environment; observations of the restored states go into `buffers.obs`. */
  setState(states: readonly EnvState[]): void {
    const obsSize = this.#taskModel.spec.obsSize;
    if (states.length !== this.envs.length) {
      throw new Error(
        `sim/EnvBatch.setState: got ${states.length} states, expected ${this.envs.length}`,
      );
    }
    this.envs.forEach((env, j) => {
      env.setState(states[j] as EnvState);
      this.#buffers.obs.set(env.obs, j * obsSize);
    });
  }

  /** Free every MjData, then the shared MjModel. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const env of this.envs) env.close();
    this.#taskModel.close();
  }
}

/** Check a (numEnvs × actionSize) action matrix; shared by both implementations. */
export function checkActions(
  actions: Float32Array | Float64Array,
  numEnvs: number,
  spec: TaskSpec,
): void {
  const expected = numEnvs * spec.actionSize;
  if (actions.length !== expected) {
    throw new Error(
      `VecEnv(${spec.name}).step: actions has ${actions.length} entries, expected numEnvs × actionSize = ${numEnvs} × ${spec.actionSize} = ${expected}`,
    );
  }
}

/** The result arrays, shared with the buffers (overwritten by the next step). */
export function resultOf(b: BatchBuffers): VecStepResult {
  return {
    obs: b.obs,
    rewards: b.rewards,
    terminated: b.terminated,
    truncated: b.truncated,
    finalObs: b.finalObs,
    clipped: b.clipped,
    distance: b.distance,
    success: b.success,
  };
}
