/**
 * bench/jitter.ts — how late this machine wakes a thread, cyclictest-style: the floor under any
 * control loop's missed ticks, measured without our code in the way.
 *
 *   npx tsx bench/jitter.ts [--rate 500] [--duration 60] [--json]
 *
 * Two phases of --duration seconds each, in a worker thread that does nothing else:
 *   sleep  wait (Atomics.wait, a futex with a sub-ms timeout) until each absolute deadline
 *          start + k·period, then read the clock: lateness = wake-up latency of the kernel;
 *   spin   never sleep, read the clock in a loop: lateness = time the CPU was taken away
 *          (a kernel thread's slice, a hypervisor's steal), which no user-space loop can avoid.
 * A deadline reached one period or more late is a tick a control loop would miss. On a stock
 * (PREEMPT_NONE) kernel in a VM the sleep phase typically shows some; the spin phase shows what
 * even busy polling (`--busy-poll`) cannot remove.
 */
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { cpus, loadavg } from 'node:os';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '60' },
    json: { type: 'boolean', default: false },
  },
});
const rateHz = Number(values.rate);
const durationS = Number(values.duration);
if (!(rateHz > 0) || !(durationS > 0)) {
  throw new Error(
    `bench/jitter.ts: --rate and --duration must be > 0, got ${values.rate}, ${values.duration}`,
  );
}

// Plain JS in the worker (no tsx loader): it records each deadline's lateness in ns.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { periodNs, ticks, mode } = workerData;
const period = BigInt(periodNs);
const cell = new Int32Array(new SharedArrayBuffer(4));
const late = new Float64Array(ticks);
const start = process.hrtime.bigint();
for (let k = 1; k <= ticks; k++) {
  const deadline = start + BigInt(k) * period;
  for (;;) {
    const now = process.hrtime.bigint();
    if (now >= deadline) break;
    if (mode === 'sleep') Atomics.wait(cell, 0, 0, Number(deadline - now) / 1e6);
  }
  late[k - 1] = Number(process.hrtime.bigint() - deadline);
}
parentPort.postMessage(late, [late.buffer]);
`;

interface PhaseResult {
  readonly mode: 'sleep' | 'spin';
  readonly deadlines: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** Deadlines reached ≥ 1 period late: ticks a loop at this rate would miss. */
  readonly latePeriodOrMore: number;
  readonly lateOver1Ms: number;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] ?? NaN;
}

async function phase(mode: 'sleep' | 'spin'): Promise<PhaseResult> {
  const periodNs = Math.round(1e9 / rateHz);
  const ticks = Math.round(durationS * rateHz);
  const late = await new Promise<Float64Array>((resolve, reject) => {
    const w = new Worker(WORKER, {
      eval: true,
      execArgv: [],
      workerData: { periodNs, ticks, mode },
    });
    w.once('message', (m: Float64Array) => resolve(m));
    w.once('error', reject);
  });
  const sorted = Float64Array.from(late).sort();
  let overPeriod = 0;
  let over1Ms = 0;
  for (const x of late) {
    if (x >= periodNs) overPeriod++;
    if (x >= 1e6) over1Ms++;
  }
  return {
    mode,
    deadlines: ticks,
    p50Ms: quantile(sorted, 0.5) / 1e6,
    p99Ms: quantile(sorted, 0.99) / 1e6,
    p999Ms: quantile(sorted, 0.999) / 1e6,
    maxMs: quantile(sorted, 1) / 1e6,
    latePeriodOrMore: overPeriod,
    lateOver1Ms: over1Ms,
  };
}

const load0 = loadavg()[0] ?? NaN;
const results = [await phase('sleep'), await phase('spin')];
const machine = { cpus: cpus().length, loadAverage1mStart: load0, loadAverage1mEnd: loadavg()[0] };
if (values.json) {
  process.stdout.write(`${JSON.stringify({ rateHz, durationS, results, machine })}\n`);
} else {
  const f = (x: number): string => x.toFixed(3);
  console.log(
    `wake-up jitter at ${rateHz} Hz, ${durationS} s per phase (worker thread, nothing else)`,
  );
  for (const r of results) {
    console.log(
      `  ${r.mode.padEnd(5)} late p50 ${f(r.p50Ms)} ms  p99 ${f(r.p99Ms)} ms  p99.9 ${f(r.p999Ms)} ms  max ${f(r.maxMs)} ms  ≥1 period: ${r.latePeriodOrMore} of ${r.deadlines}`,
    );
  }
  console.log(
    `  machine ${machine.cpus} cpus, load ${f(load0)} → ${f(machine.loadAverage1mEnd ?? NaN)}`,
  );
}
