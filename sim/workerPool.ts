/**
 * The worker-thread VecEnv: environments split into contiguous slices, one slice per worker thread;
 * each worker has its own WASM instance and MjModel and runs an EnvBatch on views of shared memory.
 *
 * Protocol (per worker, an Int32Array `control` on a SharedArrayBuffer):
 *   main writes the command (and argument), increments REQUEST and notifies;
 *   the worker, blocked in Atomics.wait on REQUEST, runs the command on its slice of the shared
 *   buffers, stores the request number in DONE and notifies; main waits on DONE.
 * A step therefore costs one notify/wake pair per worker and no message passing or copying: actions
 * and results live in SharedArrayBuffers. Rare commands with payloads (getState/setState) and errors
 * travel over a MessageChannel read synchronously with receiveMessageOnPort.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { RandomizeSpec } from '../src/config/index.js';
import type { BatchBuffers, SharedBatchMemory } from './envBatch.js';
import { allocateBuffers, allocateSharedMemory, checkActions, resultOf } from './envBatch.js';
import { loadMujoco } from './mujoco.js';
import { Randomizer } from './randomization.js';
import type { TaskParams } from '../src/config/index.js';
import { TaskModel } from './taskModel.js';
import type { TaskModelOptions } from './taskModel.js';
import type { EnvState, TaskSpec, VecEnv, VecStepResult } from './types.js';

/** Slots of the control array. */
export const CONTROL = Object.freeze({
  REQUEST: 0,
  COMMAND: 1,
  ARGUMENT: 2,
  DONE: 3,
  STATUS: 4,
  LENGTH: 8,
});
/** Commands. */
export const COMMAND = Object.freeze({ RESET: 1, STEP: 2, GET_STATE: 3, SET_STATE: 4, CLOSE: 5 });
/** Status after a command: 0 ok, 1 failed (the error message waits on the port). */
export const STATUS_ERROR = 1;

/** What a worker is started with (workerData). */
export interface WorkerInit {
  readonly task: string | TaskParams;
  readonly modelOptions: TaskModelOptions;
  readonly randomize: RandomizeSpec | undefined;
  readonly offset: number;
  readonly count: number;
  readonly shared: SharedBatchMemory;
  readonly control: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** No answer from a worker for this long means it died (e.g. out of memory). */
const WORKER_TIMEOUT_MS = 120_000;

interface PoolWorker {
  readonly worker: Worker;
  readonly control: Int32Array;
  readonly port: MessagePort;
  readonly offset: number;
  readonly count: number;
  request: number;
}

/**
 * Start a worker running `worker.js` next to this module (compiled dist/), or, when running from
 * TypeScript source under tsx, `worker.ts` through tsx's `tsImport` (tsx's `--import` hooks do not
 * reach worker threads on Node 20, so the worker bootstraps tsx itself).
 */
function startWorker(init: WorkerInit): Worker {
  const options = { workerData: init, transferList: [init.port] };
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./worker.js', import.meta.url), options);
  const entry = new URL('./worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  return new Worker(code, { ...options, eval: true });
}

export class WorkerPoolVecEnv implements VecEnv {
  readonly spec: TaskSpec;
  readonly numEnvs: number;
  readonly #workers: PoolWorker[];
  readonly #buffers: BatchBuffers;
  readonly #result: VecStepResult;
  readonly #crashes: string[] = [];
  #closed = false;

  private constructor(
    spec: TaskSpec,
    numEnvs: number,
    workers: PoolWorker[],
    buffers: BatchBuffers,
  ) {
    this.spec = spec;
    this.numEnvs = numEnvs;
    this.#workers = workers;
    this.#buffers = buffers;
    this.#result = resultOf(buffers);
  }

  /** Number of worker threads. */
  get workerCount(): number {
    return this.#workers.length;
  }

  static async create(
    task: string | TaskParams,
    numEnvs: number,
    workerCount: number,
    modelOptions: TaskModelOptions,
    randomize?: RandomizeSpec,
  ): Promise<WorkerPoolVecEnv> {
    // Load once here too: bad paths and descriptions fail in the caller's thread with clear errors,
    // and the spec sizes the shared memory.
    const mj = await loadMujoco();
    const probe = TaskModel.load(mj, task, modelOptions);
    const spec = probe.spec;
    try {
      // A bad randomisation (e.g. jitter ≥ frame skip) fails here, not as a worker crash.
      if (randomize !== undefined) new Randomizer(probe, randomize);
    } finally {
      probe.close();
    }
    const shared = allocateSharedMemory(numEnvs, spec.obsSize, spec.actionSize);
    const buffers = allocateBuffers(numEnvs, spec.obsSize, spec.actionSize, shared, 0);
    const workers: PoolWorker[] = [];
    const ready: Promise<void>[] = [];
    let offset = 0;
    for (let w = 0; w < workerCount; w++) {
      // Contiguous slices whose sizes differ by at most one.
      const count = Math.floor(numEnvs / workerCount) + (w < numEnvs % workerCount ? 1 : 0);
      const control = new SharedArrayBuffer(CONTROL.LENGTH * 4);
      const channel = new MessageChannel();
      const init: WorkerInit = {
        task,
        modelOptions,
        randomize,
        offset,
        count,
        shared,
        control,
        port: channel.port2,
      };
      const worker = startWorker(init);
      workers.push({
        worker,
        control: new Int32Array(control),
        port: channel.port1,
        offset,
        count,
        request: 0,
      });
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once('message', (message: { type: string; message?: string }) => {
            if (message.type === 'ready') resolve();
            else
              reject(
                new Error(
                  `sim/WorkerPoolVecEnv(${spec.name}): worker ${w} failed to start: ${message.message}`,
                ),
              );
          });
          worker.once('error', (err) =>
            reject(new Error(`sim/WorkerPoolVecEnv(${spec.name}): worker ${w}: ${err.message}`)),
          );
          worker.once('exit', (code) =>
            reject(new Error(`sim/WorkerPoolVecEnv(${spec.name}): worker ${w} exited (${code})`)),
          );
        }),
      );
      offset += count;
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await Promise.all(workers.map((w) => w.worker.terminate()));
      throw err;
    }
    const pool = new WorkerPoolVecEnv(spec, numEnvs, workers, buffers);
    workers.forEach((w, i) => {
      w.worker.removeAllListeners();
      // A crashed worker (e.g. out of memory) is reported by the next command instead of crashing
      // the process with an unhandled 'error' event.
      w.worker.on('error', (err) => pool.#crashes.push(`worker ${i}: ${err.message}`));
      w.worker.on('exit', (code) => {
        if (!pool.#closed) pool.#crashes.push(`worker ${i} exited with code ${code}`);
      });
    });
    return pool;
  }

  #check(): void {
    if (this.#closed) throw new Error(`VecEnv(${this.spec.name}): used after close()`);
    if (this.#crashes.length > 0) {
      throw new Error(`VecEnv(${this.spec.name}): a worker died: ${this.#crashes.join('; ')}`);
    }
  }

  /** Send a command to every worker, then wait for all (they run in parallel). */
  #broadcast(command: number, argument = 0, payloads?: readonly unknown[]): void {
    this.#workers.forEach((w, i) => {
      if (payloads !== undefined) w.port.postMessage(payloads[i]);
      Atomics.store(w.control, CONTROL.COMMAND, command);
      Atomics.store(w.control, CONTROL.ARGUMENT, argument | 0);
      w.request = (w.request + 1) | 0;
      Atomics.store(w.control, CONTROL.REQUEST, w.request);
      Atomics.notify(w.control, CONTROL.REQUEST);
    });
    const errors: string[] = [];
    this.#workers.forEach((w, i) => {
      const started = Date.now();
      for (;;) {
        const done = Atomics.load(w.control, CONTROL.DONE);
        if (done === w.request) break;
        Atomics.wait(w.control, CONTROL.DONE, done, 1000);
        if (Date.now() - started > WORKER_TIMEOUT_MS) {
          throw new Error(
            `VecEnv(${this.spec.name}): worker ${i} did not answer in ${WORKER_TIMEOUT_MS} ms (crashed?)`,
          );
        }
      }
      if (Atomics.load(w.control, CONTROL.STATUS) === STATUS_ERROR) {
        const reply = receiveMessageOnPort(w.port)?.message as { error?: string } | undefined;
        errors.push(
          `worker ${i} (envs ${w.offset}..${w.offset + w.count - 1}): ${reply?.error ?? 'unknown error'}`,
        );
      }
    });
    if (errors.length > 0) throw new Error(`VecEnv(${this.spec.name}): ${errors.join('; ')}`);
  }

  async reset(seed: number): Promise<Float64Array> {
    this.#check();
    if (!Number.isInteger(seed))
      throw new Error(`VecEnv(${this.spec.name}).reset: seed ${seed} is not an integer`);
    this.#broadcast(COMMAND.RESET, seed);
    return this.#buffers.obs;
  }

  async step(actions: Float32Array | Float64Array): Promise<VecStepResult> {
    this.#check();
    checkActions(actions, this.numEnvs, this.spec);
    this.#buffers.actions.set(actions);
    this.#broadcast(COMMAND.STEP);
    return this.#result;
  }

  async getState(): Promise<readonly EnvState[]> {
    this.#check();
    this.#broadcast(COMMAND.GET_STATE);
    const states: EnvState[] = [];
    for (const w of this.#workers) {
      const reply = receiveMessageOnPort(w.port)?.message as { states: EnvState[] } | undefined;
      if (reply === undefined)
        throw new Error(`VecEnv(${this.spec.name}).getState: no reply from a worker`);
      states.push(...reply.states);
    }
    return states;
  }

  async setState(states: readonly EnvState[]): Promise<void> {
    this.#check();
    if (states.length !== this.numEnvs) {
      throw new Error(
        `VecEnv(${this.spec.name}).setState: got ${states.length} states, expected ${this.numEnvs}`,
      );
    }
    this.#broadcast(
      COMMAND.SET_STATE,
      0,
      this.#workers.map((w) => ({ states: states.slice(w.offset, w.offset + w.count) })),
    );
  }

  /** Free every worker's MjData and MjModel, then terminate the threads. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      // Workers free their MjData and MjModel, then leave their loop (a dead one cannot answer).
      if (this.#crashes.length === 0) this.#broadcast(COMMAND.CLOSE);
    } finally {
      await Promise.all(
        this.#workers.map(async (w) => {
          w.port.close();
          await w.worker.terminate();
        }),
      );
    }
  }
}
