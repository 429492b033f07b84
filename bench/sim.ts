/**
 * Simulation throughput figures (issue 2):
 *   1. raw mj_step loop vs one environment on the same model (target: env ≥ 0.8 × raw on arm7-reach);
 *   2. the worker-pool VecEnv with 1 and 2 workers, same environments per worker (target: 2 ≥ 1.6 × 1).
 *
 * Usage: npx tsx bench/sim.ts [--task arm7-reach] [--steps 20000] [--envs-per-worker 8]
 *                             [--repeats 3] [--json]
 *        npx tsx bench/sim.ts --randomize arm [--envs 16] [--steps 20000] [--iterations 3]
 *   3. instead of 1–2, the cost of domain randomisation (issue 16: training steps/s with
 *      randomisation ≥ 0.8 × without), in simulation alone and in training (bench/randomizeBench.ts).
 * Each figure is the best of `repeats` runs (the least disturbed by other load on the machine).
 * Steps are environment steps (frameSkip physics steps each); see bench/simBench.ts for the method.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runRandomizeBench } from './randomizeBench.js';
import { envStepsPerSec, rawStepsPerSec, vectorStepsPerSec } from './simBench.js';
import type { Throughput } from './simBench.js';

const { values } = parseArgs({
  options: {
    task: { type: 'string', default: 'arm7-reach' },
    steps: { type: 'string', default: '20000' },
    'envs-per-worker': { type: 'string', default: '8' },
    repeats: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    randomize: { type: 'string' },
    envs: { type: 'string', default: '16' },
    iterations: { type: 'string', default: '3' },
  },
});
if (values.randomize !== undefined) {
  const preset = values.randomize;
  if (preset !== 'arm') throw new Error(`bench/sim: --randomize '${preset}': expected 'arm'`);
  const o = {
    task: values.task,
    preset,
    numEnvs: Number(values.envs),
    simSteps: Number(values.steps),
    iterations: Number(values.iterations),
    repeats: Number(values.repeats),
  } as const;
  const r = await runRandomizeBench(o);
  const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;
  const result = {
    ...o,
    simStepsPerSecOff: r.simOff,
    simStepsPerSecOn: r.simOn,
    simOnOverOff: ratio(r.simOn, r.simOff),
    trainStepsPerSecOff: r.trainOff,
    trainStepsPerSecOn: r.trainOn,
    trainOnOverOff: ratio(r.trainOn, r.trainOff),
    cores: availableParallelism(),
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else
    process.stdout.write(
      [
        `task ${o.task}, randomize: ${preset}, ${o.numEnvs} envs in-process, best of ${o.repeats}`,
        `simulation   off ${r.simOff} steps/s, on ${r.simOn} steps/s   on/off = ${result.simOnOverOff}`,
        `training     off ${r.trainOff} steps/s, on ${r.trainOn} steps/s   on/off = ${result.trainOnOverOff} (target ≥ 0.8; ${o.iterations} iterations per run)`,
        `machine: ${result.cores} cores, load average ${result.loadAverage1m} (other processes share the cores)`,
      ].join('\n') + '\n',
    );
  process.exit(0);
}
const task = values.task;
const steps = Number(values.steps);
const perWorker = Number(values['envs-per-worker']);
const repeats = Number(values.repeats);

/** Best wall and best CPU throughput over `repeats` runs. */
async function best(run: () => Promise<Throughput>): Promise<Throughput> {
  let perSec = 0;
  let perCpuSec = 0;
  for (let r = 0; r < repeats; r++) {
    const t = await run();
    perSec = Math.max(perSec, t.perSec);
    perCpuSec = Math.max(perCpuSec, t.perCpuSec);
  }
  return { perSec: Math.round(perSec), perCpuSec: Math.round(perCpuSec) };
}

await rawStepsPerSec(task, Math.max(2000, steps / 5)); // warm-up (WASM tier-up), discarded
const rawRun = await best(() => rawStepsPerSec(task, steps));
const envRun = await best(() => envStepsPerSec(task, steps));
const raw = rawRun.perSec;
const env = envRun.perSec;
const oneWorker = (await best(() => vectorStepsPerSec(task, steps, 1, perWorker))).perSec;
const twoWorkers = (await best(() => vectorStepsPerSec(task, steps, 2, 2 * perWorker))).perSec;
const result = {
  task,
  steps,
  repeats,
  rawStepsPerSec: raw,
  envStepsPerSec: env,
  envOverRaw: Math.round((env / raw) * 1000) / 1000,
  rawStepsPerCpuSec: rawRun.perCpuSec,
  envStepsPerCpuSec: envRun.perCpuSec,
  envOverRawCpu: Math.round((envRun.perCpuSec / rawRun.perCpuSec) * 1000) / 1000,
  vector1WorkerStepsPerSec: oneWorker,
  vector2WorkersStepsPerSec: twoWorkers,
  twoOverOneWorker: Math.round((twoWorkers / oneWorker) * 1000) / 1000,
  envsPerWorker: perWorker,
  cores: availableParallelism(),
  loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
};
if (values.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.stdout.write(
    [
      `task ${task}, ${steps} environment steps per run, best of ${repeats}`,
      `raw mj_step loop        ${raw} steps/s`,
      `one environment         ${env} steps/s   env/raw = ${result.envOverRaw} (target ≥ 0.8)`,
      `per CPU-second          raw ${rawRun.perCpuSec}, env ${envRun.perCpuSec}   env/raw = ${result.envOverRawCpu}`,
      `VecEnv, 1 worker        ${oneWorker} steps/s (${perWorker} envs)`,
      `VecEnv, 2 workers       ${twoWorkers} steps/s (${2 * perWorker} envs)   2/1 = ${result.twoOverOneWorker} (target ≥ 1.6)`,
      `machine: ${result.cores} cores, load average ${result.loadAverage1m} (other processes share the cores)`,
    ].join('\n') + '\n',
  );
}
