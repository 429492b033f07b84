/**
 * A worker thread of WorkerPoolVecEnv (sim/workerPool.ts): loads its own WASM instance and model,
 * runs an EnvBatch over its slice of the shared buffers, and serves commands from the control
 * array until CLOSE. The loop blocks in Atomics.wait between commands, so an idle worker costs no CPU.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { allocateBuffers, EnvBatch } from './envBatch.js';
import { loadMujoco } from './mujoco.js';
import { TaskModel } from './taskModel.js';
import type { EnvState } from './types.js';
import type { WorkerInit } from './workerPool.js';
import { COMMAND, CONTROL, STATUS_ERROR } from './workerPool.js';

const init = workerData as WorkerInit;

async function start(): Promise<EnvBatch> {
  const mj = await loadMujoco();
  const taskModel = TaskModel.load(mj, init.task, init.modelOptions);
  const { obsSize, actionSize } = taskModel.spec;
  const buffers = allocateBuffers(init.count, obsSize, actionSize, init.shared, init.offset);
  return new EnvBatch(taskModel, init.offset, init.count, buffers, init.randomize);
}

function serve(batch: EnvBatch): void {
  const control = new Int32Array(init.control);
  const port = init.port;
  let seen = 0;
  for (;;) {
    Atomics.wait(control, CONTROL.REQUEST, seen);
    const request = Atomics.load(control, CONTROL.REQUEST);
    if (request === seen) continue;
    seen = request;
    const command = Atomics.load(control, CONTROL.COMMAND);
    let status = 0;
    try {
      switch (command) {
        case COMMAND.STEP:
          batch.step();
          break;
        case COMMAND.RESET:
          batch.reset(Atomics.load(control, CONTROL.ARGUMENT));
          break;
        case COMMAND.GET_STATE:
          port.postMessage({ states: batch.getState() });
          break;
        case COMMAND.SET_STATE: {
          const message = receiveMessageOnPort(port)?.message as { states: EnvState[] } | undefined;
          if (message === undefined) throw new Error('setState: no states received');
          batch.setState(message.states);
          break;
        }
        case COMMAND.CLOSE:
          batch.close();
          break;
        default:
          throw new Error(`unknown command ${command}`);
      }
    } catch (err) {
      status = STATUS_ERROR;
      port.postMessage({ error: err instanceof Error ? err.message : String(err) });
    }
    Atomics.store(control, CONTROL.STATUS, status);
    Atomics.store(control, CONTROL.DONE, request);
    Atomics.notify(control, CONTROL.DONE);
    if (command === COMMAND.CLOSE) break;
  }
  port.close();
}

try {
  const batch = await start();
  parentPort?.postMessage({ type: 'ready' });
  serve(batch);
} catch (err) {
  parentPort?.postMessage({
    type: 'error',
    message: err instanceof Error ? err.message : String(err),
  });
}
