/**
 * Replay throughput and memory: read, decode and weight transitions streamed from MCAP bags.
 *
 *   npx tsx bench/replay.ts [--sizes 100000,400000] [--repeat 3] [--json] [--keep DIR]
 *
 * For each size it writes a synthetic bag (reacher-like: obs 11, 2 joints, episodes of 50 steps,
 * with /joint_states and the command topic, i.e. 3 messages per step), then in a FRESH child
 * process streams it with BagEpisodeReader, recomputes log π_θ(a|s) for every transition with a
 * 64-64 Gaussian policy, forms per-decision and truncated (V-trace) weights in log space, and
 * accumulates ESS / max / mean / clipped fraction. It prints transitions per minute and the peak
 * RSS and peak heap of the child: flat across sizes = memory bounded by streaming. Each bag is read
 * `--repeat` times (fresh processes); the table shows the fastest read (the machine is shared) and
 * the largest peak memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GaussianPolicy } from '../src/policy/index.js';
import { BagEpisodeReader } from '../src/replay/index.js';
import { EpisodeRecorder } from '../src/replay/index.js';
import {
  StreamingWeightStats,
  logImportanceRatios,
  perDecisionLogWeights,
  truncatedWeights,
} from '../src/replay/index.js';
import { Random } from '../src/util/index.js';
import { benchArgs, numberArg, numberListArg } from './benchArgs.js';

const OBS = 11;
const JOINTS = ['joint0', 'joint1'];
const LENGTH = 50;

const args = benchArgs('replay', {
  child: { type: 'string' },
  sizes: { type: 'string', default: '100000,400000' },
  keep: { type: 'string' },
  repeat: { type: 'string', default: '3' },
  json: { type: 'boolean' },
});

async function writeBag(dir: string, transitions: number): Promise<number> {
  const rng = new Random(1);
  const rec = await EpisodeRecorder.create(dir, {
    task: 'bench',
    jointNames: JOINTS,
    checkpointId: 'bench-behaviour',
    obsSize: OBS,
    overwrite: true,
  });
  const obs = new Float64Array(OBS);
  const action = new Float64Array(2);
  const mean = new Float64Array(2);
  const logStd = new Float64Array([-0.5, -0.5]);
  const episodes = Math.ceil(transitions / LENGTH);
  let stamp = 0n;
  for (let e = 0; e < episodes; e++) {
    for (let t = 0; t < LENGTH; t++) {
      for (let j = 0; j < OBS; j++) obs[j] = rng.normal();
      for (let j = 0; j < 2; j++) {
        mean[j] = 0.1 * rng.normal();
        action[j] = (mean[j] as number) + Math.exp(-0.5) * rng.normal();
      }
      const last = t === LENGTH - 1;
      await rec.writeStep({
        stampNs: stamp,
        episodeIndex: e,
        stepIndex: t,
        observation: obs,
        action,
        mean,
        logStd,
        logProb: -1.5 + 0.1 * rng.normal(),
        reward: -rng.uniform(),
        terminated: false,
        truncated: last,
        ...(last ? { finalObservation: obs } : {}),
        jointState: { position: action, velocity: mean },
        command: action,
      });
      stamp += 20_000_000n;
    }
  }
  await rec.close();
  return episodes * LENGTH;
}

interface ChildResult {
  transitions: number;
  episodes: number;
  seconds: number;
  transitionsPerMinute: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  ess: number;
  maxWeight: number;
  meanWeight: number;
  clippedFraction: number;
  perDecisionEss: number;
}

/** Child: stream one bag, weight every transition, report time and peak memory. */
async function child(bag: string): Promise<void> {
  const policy = new GaussianPolicy(
    { obsSize: OBS, actionSize: 2, normalizeObs: false },
    new Random(2),
  );
  const ws = policy.createWorkspace(LENGTH);
  const normObs = new Float64Array(LENGTH * OBS);
  const logPi = new Float64Array(LENGTH);
  const pdStats = new StreamingWeightStats();
  const trStats = new StreamingWeightStats();
  let peakHeap = 0;
  let transitions = 0;
  let episodes = 0;
  const t0 = performance.now();
  const reader = await BagEpisodeReader.open(bag);
  for await (const ep of reader.episodes()) {
    const n = ep.length;
    policy.normalizeObs(ep.observations, normObs, n);
    policy.logProb(normObs, ep.actions, n, logPi, ws);
    const lr = logImportanceRatios(logPi.subarray(0, n), ep.behaviourLogProbs);
    const pd = perDecisionLogWeights(lr, [0, n]);
    const tr = truncatedWeights(lr, 1, 1);
    for (let t = 0; t < n; t++) {
      pdStats.add(Math.exp(pd[t] as number));
      trStats.add(tr.rho[t] as number, (lr[t] as number) > 1e-6);
    }
    transitions += n;
    episodes++;
    if ((episodes & 63) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  const seconds = (performance.now() - t0) / 1000;
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  const s = trStats.stats();
  const result: ChildResult = {
    transitions,
    episodes,
    seconds,
    transitionsPerMinute: (60 * transitions) / seconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    peakHeapMiB: peakHeap / 2 ** 20,
    ess: s.ess,
    maxWeight: s.maxWeight,
    meanWeight: s.meanWeight,
    clippedFraction: s.clippedFraction,
    perDecisionEss: pdStats.stats().ess,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const childBag = args.child;
  if (childBag !== undefined) return child(childBag);
  const sizes = numberListArg('replay', 'sizes', args.sizes, { integer: true, min: 1 });
  const keep = args.keep;
  const repeat = numberArg('replay', 'repeat', args.repeat, { integer: true, min: 1 });
  const root = keep ?? mkdtempSync(join(tmpdir(), 'torquepilot-bench-replay-'));
  const rows: (ChildResult & { bagMiB: number; writeSeconds: number })[] = [];
  try {
    for (const size of sizes) {
      const bag = join(root, `bag-${size}`);
      const w0 = performance.now();
      const written = await writeBag(bag, size);
      const writeSeconds = (performance.now() - w0) / 1000;
      const bagMiB = statSync(join(bag, `bag-${size}_0.mcap`)).size / 2 ** 20;
      const self = fileURLToPath(import.meta.url);
      let best: ChildResult | undefined;
      for (let k = 0; k < repeat; k++) {
        const run = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', bag], {
          encoding: 'utf8',
        });
        if (run.status !== 0) throw new Error(`bench/replay: child failed: ${run.stderr}`);
        const r = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
        if (r.transitions !== written)
          throw new Error(`bench/replay: read ${r.transitions} transitions, wrote ${written}`);
        const peakRssMiB = Math.max(r.peakRssMiB, best?.peakRssMiB ?? 0);
        const peakHeapMiB = Math.max(r.peakHeapMiB, best?.peakHeapMiB ?? 0);
        best = !best || r.seconds < best.seconds ? r : best;
        best = { ...best, peakRssMiB, peakHeapMiB };
      }
      if (best) rows.push({ ...best, bagMiB, writeSeconds });
    }
  } finally {
    if (keep === undefined) rmSync(root, { recursive: true, force: true });
  }
  if (args.json === true) {
    process.stdout.write(`${JSON.stringify({ rows })}\n`);
    return;
  }
  console.log(
    'replay read+decode+weight (one process per bag; machine shared, figures pessimistic)',
  );
  console.log(
    'transitions  bag MiB  write s  read s  transitions/min  peak RSS MiB  peak heap MiB',
  );
  for (const r of rows) {
    console.log(
      `${String(r.transitions).padStart(11)}  ${r.bagMiB.toFixed(1).padStart(7)}  ${r.writeSeconds.toFixed(1).padStart(7)}  ${r.seconds.toFixed(1).padStart(6)}  ${Math.round(r.transitionsPerMinute).toLocaleString('en-US').padStart(15)}  ${r.peakRssMiB.toFixed(0).padStart(12)}  ${r.peakHeapMiB.toFixed(0).padStart(13)}`,
    );
  }
}

await main();
