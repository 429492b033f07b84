/**
 * A drift-free periodic timer with sub-millisecond wake-ups, for control loops at hundreds of Hz
 * in process. Node's setTimeout rounds to whole milliseconds and wakes late under load, which at
 * 500 Hz (2 ms period) misses ticks. Here a small worker thread sleeps until each absolute deadline
 * (start + k·period) with Atomics.wait (a futex with a fractional-millisecond timeout) and posts the
 * tick's index; the main thread runs the callback. A tick whose message arrives one period or more
 * after its deadline is skipped and counted as missed, never run late in a burst.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const period = BigInt(workerData.periodNs);
const start = BigInt(workerData.startNs);
const cell = new Int32Array(new SharedArrayBuffer(4));
let k = 1n;
let running = true;
parentPort.on('message', (m) => { if (m === 'stop') running = false; });
function loop() {
  const deadline = start + k * period;
  for (;;) {
    const now = process.hrtime.bigint();
    if (now >= deadline) break;
    Atomics.wait(cell, 0, 0, Number(deadline - now) / 1e6);
  }
  const now = process.hrtime.bigint();
  // Skip deadlines that already passed (the worker itself was descheduled).
  const behind = (now - deadline) / period;
  k += behind;
  parentPort.postMessage(Number(k));
  k += 1n;
  if (running) setImmediate(loop);
}
loop();
`;

export class PreciseTimer {
  readonly periodNs: bigint;
  readonly #startNs: bigint;
  readonly #worker: Worker;
  readonly #callback: () => void;
  #nextIndex = 1;
  #missed = 0;
  #active = true;

  constructor(periodNs: bigint, callback: () => void) {
    if (periodNs <= 0n) throw new Error(`PreciseTimer: period must be > 0, got ${periodNs}`);
    this.periodNs = periodNs;
    this.#callback = callback;
    this.#startNs = process.hrtime.bigint();
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Plain JS: no loaders (tsx) to start, so the first tick comes within milliseconds.
      execArgv: [],
      workerData: { periodNs: periodNs.toString(), startNs: this.#startNs.toString() },
    });
    this.#worker.unref();
    this.#worker.on('message', (index: number) => this.#onTick(index));
    this.#worker.on('error', (err) => {
      throw new Error(`PreciseTimer: worker failed: ${err.message}`);
    });
  }

  /** Ticks skipped: deadlines that passed before their tick could run. */
  get missedTicks(): number {
    return this.#missed;
  }

  dispose(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#worker.postMessage('stop');
    void this.#worker.terminate();
  }

  #onTick(index: number): void {
    if (!this.#active) return;
    if (index < this.#nextIndex) return;
    // Deadlines the worker skipped, then lateness on this thread.
    this.#missed += index - this.#nextIndex;
    const deadline = this.#startNs + BigInt(index) * this.periodNs;
    const late = process.hrtime.bigint() - deadline;
    this.#nextIndex = index + 1;
    if (late >= this.periodNs) {
      this.#missed++;
      return;
    }
    this.#callback();
  }
}
