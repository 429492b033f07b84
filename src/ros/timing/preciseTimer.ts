/**
 * A drift-free periodic timer with sub-millisecond wake-ups, for control loops at hundreds of Hz
 * in process. Node's setTimeout rounds to whole milliseconds and wakes late under load, which at
 * 500 Hz (2 ms period) misses ticks. Here a small worker thread sleeps until the next point of the
 * grid start + k·period with Atomics.wait (a futex with a fractional-millisecond timeout) and posts
 * a wake-up; the main thread runs the callback. The deadlines and the missed-tick count are the
 * main thread's DeadlineSchedule: a wake-up one period or more after its deadline skips (counts)
 * the deadlines it slept through, and a queued wake-up whose deadline was already served is
 * dropped, so ticks are never run late in a burst.
 */
import { Worker } from 'node:worker_threads';
import { DeadlineSchedule } from './deadlineSchedule.js';

/** Wakes at each grid point after "now"; a descheduled worker wakes once, at the next one. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const period = BigInt(workerData.periodNs);
const start = BigInt(workerData.startNs);
const cell = new Int32Array(new SharedArrayBuffer(4));
let running = true;
parentPort.on('message', (m) => { if (m === 'stop') running = false; });
function loop() {
  const deadline = start + ((process.hrtime.bigint() - start) / period + 1n) * period;
  for (;;) {
    const now = process.hrtime.bigint();
    if (now >= deadline) break;
    Atomics.wait(cell, 0, 0, Number(deadline - now) / 1e6);
  }
  parentPort.postMessage(0);
  if (running) setImmediate(loop);
}
loop();
`;

export class PreciseTimer {
  readonly periodNs: bigint;
  readonly #schedule: DeadlineSchedule;
  readonly #worker: Worker;
  readonly #callback: () => void;
  #active = true;

  constructor(periodNs: bigint, callback: () => void) {
    if (periodNs <= 0n) throw new Error(`PreciseTimer: period must be > 0, got ${periodNs}`);
    this.periodNs = periodNs;
    this.#callback = callback;
    const startNs = process.hrtime.bigint();
    this.#schedule = new DeadlineSchedule(periodNs, startNs);
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Plain JS: no loaders (tsx) to start, so the first tick comes within milliseconds.
      execArgv: [],
      workerData: { periodNs: periodNs.toString(), startNs: startNs.toString() },
    });
    this.#worker.unref();
    this.#worker.on('message', () => this.#onWake());
    this.#worker.on('error', (err) => {
      throw new Error(`PreciseTimer: worker failed: ${err.message}`);
    });
  }

  /** Ticks skipped: deadlines that passed before their tick could run. */
  get missedTicks(): number {
    return this.#schedule.missedTicks;
  }

  dispose(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#worker.postMessage('stop');
    void this.#worker.terminate();
  }

  #onWake(): void {
    if (!this.#active) return;
    const now = process.hrtime.bigint();
    if (!this.#schedule.due(now)) return;
    this.#schedule.advance(now);
    this.#callback();
  }
}
