/**
 * bench/fleet.ts --mode cores and --mode scale: single-process `train` against `torquepilot
 * learner` with N `torquepilot actor` processes on loopback DDS, same task, seed and transition
 * budget, in the same bench run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointPoint, Proc } from './fleetProcs.js';
import {
  childrenCpuSeconds,
  evaluateCheckpoints,
  expectExit,
  firstReaching,
  lastOf,
  load1,
  num,
  sampleEvery,
  spawnProc,
  stop,
  table,
} from './fleetProcs.js';

export interface RunOptions {
  readonly out: string;
  readonly task: string;
  readonly seed: number;
  readonly steps: number;
  readonly envs: number;
  readonly chunkSteps: number;
  readonly batchSize: number;
  readonly publishEvery: number;
  readonly maxDurationS: number;
  /** The actors' --max-ahead (0: not given, the actor's default: no limit). */
  readonly maxAhead: number;
  readonly learnerArgs: readonly string[];
  readonly actorArgs: readonly string[];
  readonly trainArgs: readonly string[];
}

export interface Outcome {
  readonly label: string;
  readonly actors: number;
  /** Steady-state env steps learned from per second (see bench/fleet.ts). */
  readonly stepsPerSec: number;
  /** Transitions learned from over spawn-to-exit seconds of the whole run. */
  readonly wallStepsPerSec: number;
  readonly wallS: number;
  readonly transitions: number;
  readonly finalReturn: number;
  readonly lagP50: number | null;
  readonly lagP99: number | null;
  readonly droppedStale: number | null;
  readonly droppedFull: number | null;
  /** Transitions the actors published (collected), against `transitions` learned from. */
  readonly published: number | null;
  /** CPU seconds of every process of the run, and per 1000 transitions learned from. */
  readonly cpuS: number;
  readonly cpuMsPer1k: number;
  readonly cpuByProcess: Record<string, number>;
  readonly loadBefore: number;
  readonly commands: string[];
  points?: CheckpointPoint[];
}

/** Single-process `train` (extra `--config` for the scale mode's checkpoints). */
async function trainRun(o: RunOptions, label: string, config?: string): Promise<Outcome> {
  const dir = join(o.out, label);
  const args = [
    'train',
    '--task',
    o.task,
    '--seed',
    String(o.seed),
    '--steps',
    String(o.steps),
    '--out',
    dir,
    '--progress',
    'json',
    '--log-level',
    'warn',
    ...(config !== undefined ? ['--config', config] : []),
    ...o.trainArgs,
  ];
  const loadBefore = load1();
  const cpu0 = childrenCpuSeconds();
  const t = spawnProc('train', args);
  const stopSampling = sampleEvery(() => [t]);
  await expectExit(t);
  stopSampling();
  const cpuS = childrenCpuSeconds() - cpu0;
  const done = lastOf(t, 'done');
  const fe = done?.['finalEval'] as { meanReturn?: number } | undefined;
  const steps = num(done?.['steps']);
  return {
    label,
    actors: 0,
    stepsPerSec: num(done?.['stepsPerSec']),
    wallStepsPerSec: steps / t.seconds,
    wallS: t.seconds,
    transitions: steps,
    finalReturn: num(fe?.meanReturn),
    lagP50: null,
    lagP99: null,
    droppedStale: null,
    droppedFull: null,
    published: null,
    cpuS,
    cpuMsPer1k: (cpuS * 1e6) / steps,
    cpuByProcess: { train: cpuS },
    loadBefore,
    commands: [`torquepilot ${args.join(' ')}`],
  };
}

/** One learner and `actors` actor processes until the learner has learned from `steps`. */
async function fleetRun(
  o: RunOptions,
  label: string,
  actors: number,
  extraLearner: readonly string[] = [],
  maxAhead = o.maxAhead,
  chunkSteps = o.chunkSteps,
): Promise<Outcome> {
  const dir = join(o.out, label);
  const largs = [
    'learner',
    '--task',
    o.task,
    '--seed',
    String(o.seed),
    '--steps',
    String(o.steps),
    '--duration',
    String(o.maxDurationS),
    '--run-dir',
    dir,
    '--batch-size',
    String(o.batchSize),
    '--publish-every',
    String(o.publishEvery),
    '--log-level',
    'warn',
    ...extraLearner,
    ...o.learnerArgs,
  ];
  const aargs = (i: number): string[] => [
    'actor',
    '--task',
    o.task,
    '--seed',
    String(o.seed * 1000 + i + 1),
    '--envs',
    String(o.envs),
    '--chunk-steps',
    String(chunkSteps),
    ...(maxAhead > 0 ? ['--max-ahead', String(maxAhead)] : []),
    '--actor-id',
    `bench${i}`,
    '--log-level',
    'warn',
    ...o.actorArgs,
  ];
  const loadBefore = load1();
  const cpu0 = childrenCpuSeconds();
  const l = spawnProc('learner', largs);
  const as: Proc[] = Array.from({ length: actors }, (_, i) => spawnProc(`actor ${i}`, aargs(i)));
  const stopSampling = sampleEvery(() => [l, ...as]);
  await expectExit(l);
  await Promise.all(as.map(stop));
  stopSampling();
  const cpuS = childrenCpuSeconds() - cpu0;
  const wallS = (performance.now() - l.spawnedAt) / 1000;
  const ups = l.json.filter((x) => x['type'] === 'update');
  const f = ups[0];
  const z = ups.at(-1);
  const done = lastOf(l, 'done');
  if (f === undefined || z === undefined || done === undefined)
    throw new Error(`bench/fleet: ${label}: no updates or no done line:\n${l.stderr.slice(-2000)}`);
  const transitions = num(done['transitions']);
  const dt = num(z['elapsed']) - num(f['elapsed']);
  const fe = done['finalEval'] as { meanReturn?: number } | undefined;
  const published = as.reduce((acc, p) => acc + num(lastOf(p, 'done')?.['transitions']), 0);
  const cpuByProcess: Record<string, number> = { learner: l.cpu };
  as.forEach((p) => (cpuByProcess[p.name] = p.cpu));
  return {
    label,
    actors,
    stepsPerSec: dt > 0 ? (num(z['transitions']) - num(f['transitions'])) / dt : Number.NaN,
    wallStepsPerSec: transitions / wallS,
    wallS,
    transitions,
    finalReturn: num(fe?.meanReturn),
    lagP50: num(z['lagP50']),
    lagP99: num(z['lagP99']),
    droppedStale: num(z['droppedStale']),
    droppedFull: num(z['droppedFull']),
    published,
    cpuS,
    cpuMsPer1k: (cpuS * 1e6) / transitions,
    cpuByProcess,
    loadBefore,
    commands: [
      `torquepilot ${largs.join(' ')}`,
      ...Array.from({ length: actors }, (_, i) => `torquepilot ${aargs(i).join(' ')}`),
    ],
  };
}

const f1 = (x: number | null, d = 0): string =>
  x === null || Number.isNaN(x) ? '—' : x.toFixed(d);

function rowsOf(outcomes: readonly Outcome[], extra?: (r: Outcome) => string[]): string[][] {
  return outcomes.map((r) => [
    r.label,
    f1(r.stepsPerSec),
    f1(r.wallStepsPerSec),
    f1(r.finalReturn, 2),
    r.lagP50 === null ? '—' : `${r.lagP50}/${r.lagP99}`,
    r.published === null ? '—' : `${r.published}/${r.transitions}`,
    r.droppedStale === null ? '—' : `${r.droppedStale}/${r.droppedFull}`,
    f1(r.cpuMsPer1k, 1),
    Object.entries(r.cpuByProcess)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', '),
    String(r.loadBefore),
    ...(extra ? extra(r) : []),
  ]);
}

const HEAD = [
  'run',
  'steps/s',
  'wall steps/s',
  'final return',
  'lag p50/p99',
  'collected/learned',
  'stale/full',
  'CPU ms/1k',
  'CPU s by process',
  'load',
];

export async function runCores(
  o: RunOptions & { readonly order: string; readonly criticEpochs: number },
): Promise<{ text: string; json: Record<string, unknown> }> {
  const outcomes: Outcome[] = [];
  // Letters D and E: the learner (D) or train (E) with --critic-epochs over the task's train.yaml.
  const critic = join(o.out, 'critic.yaml');
  writeFileSync(critic, `trpo:\n  criticEpochs: ${o.criticEpochs}\n`);
  let id = 0;
  let ie = 0;
  let ia = 0;
  let ib = 0;
  let ic = 0;
  for (const c of o.order) {
    if (c === 'A') outcomes.push(await trainRun(o, `A${++ia}-train`));
    // The learner checkpoints only at the end (after its last update, outside its steady window),
    // as train's steps/s leaves out its checkpoint writes.
    else if (c === 'B')
      outcomes.push(await fleetRun(o, `B${++ib}-learner+actor`, 1, ['--checkpoint-every', '0']));
    else if (c === 'C')
      outcomes.push(await fleetRun(o, `C${++ic}-learner+actor-no-max-ahead`, 1, [], 0));
    else if (c === 'D')
      outcomes.push(
        await fleetRun(o, `D${++id}-learner+actor-critic${o.criticEpochs}`, 1, [
          '--config',
          critic,
        ]),
      );
    else if (c === 'E')
      outcomes.push(await trainRun(o, `E${++ie}-train-critic${o.criticEpochs}`, critic));
    else
      throw new Error(
        `bench/fleet: --order '${o.order}': letters A (train), B (fleet), C (fleet, actor without --max-ahead), D (fleet) and E (train) with --critic-epochs`,
      );
  }
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const rate = (letter: string): number =>
    mean(outcomes.filter((r) => r.label.startsWith(letter)).map((r) => r.stepsPerSec));
  const ratio = rate('B') / rate('A');
  const ratios: Record<string, number> = { 'B/A': ratio };
  for (const [x, y] of [
    ['C', 'A'],
    ['D', 'A'],
    ['D', 'E'],
    ['E', 'A'],
  ] as const) {
    const v = rate(x) / rate(y);
    if (Number.isFinite(v)) ratios[`${x}/${y}`] = v;
  }
  const text = [
    `fleet cores: ${o.task}, ${o.steps} transitions, seed ${o.seed}; actor ${o.envs} envs × ${o.chunkSteps} steps per chunk; learner batch ${o.batchSize}, publish every ${o.publishEvery}`,
    table([HEAD, ...rowsOf(outcomes)]),
    '',
    `learner + 1 actor (B runs, actor --max-ahead ${o.maxAhead || 'none'}) vs train (A runs), mean steady steps/s: ${ratio.toFixed(2)}× (target ≥ 1.5× to the same final return)`,
    `all ratios of mean steady steps/s: ${Object.entries(ratios)
      .map(([k, v]) => `${k} ${v.toFixed(2)}×`)
      .join(', ')} (D, E: trpo.criticEpochs ${o.criticEpochs})`,
    '',
    'commands:',
    ...[...new Set(outcomes.flatMap((r) => r.commands))].map((c) => `  ${c}`),
  ].join('\n');
  return {
    text,
    json: { task: o.task, steps: o.steps, outcomes, ratio, ratios, pass: ratio >= 1.5 },
  };
}

export async function runScale(
  o: RunOptions & {
    readonly actors: readonly number[];
    readonly threshold: number;
    readonly evalEpisodes: number;
    readonly checkpointEvery: number;
  },
): Promise<{ text: string; json: Record<string, unknown> }> {
  // Checkpoints every K iterations for train (and no periodic evaluation, which would slow it);
  // the learner writes one every K updates. Both are evaluated afterwards, by the same evaluator.
  const config = join(o.out, 'scale.yaml');
  writeFileSync(config, `eval:\n  every: 0\ncheckpoint:\n  every: ${o.checkpointEvery}\n`);
  const outcomes: Outcome[] = [];
  const started: number[] = [];
  started.push(Date.now());
  outcomes.push(await trainRun(o, 'train', config));
  for (const n of o.actors) {
    started.push(Date.now());
    outcomes.push(
      await fleetRun(
        o,
        `${n}-actor${n > 1 ? 's' : ''}`,
        n,
        ['--checkpoint-every', String(o.checkpointEvery), '--config', config],
        o.maxAhead,
        // N actors together publish one batch per version: chunk steps = batch / (envs × N).
        Math.max(1, Math.round(o.batchSize / (o.envs * n))),
      ),
    );
  }
  for (let i = 0; i < outcomes.length; i++) {
    const r = outcomes[i] as Outcome;
    r.points = await evaluateCheckpoints(
      join(o.out, r.label),
      o.task,
      started[i] as number,
      o.evalEpisodes,
      12345,
    );
  }
  const reach = (r: Outcome): CheckpointPoint | null => firstReaching(r.points ?? [], o.threshold);
  const head = [...HEAD, `s to ≥ ${o.threshold}`, 'steps then', 'best eval'];
  const rows = rowsOf(outcomes, (r) => {
    const p = reach(r);
    const best = Math.max(...(r.points ?? []).map((q) => q.evalReturn));
    return [p ? p.seconds.toFixed(1) : 'not reached', p ? String(p.steps) : '—', f1(best, 2)];
  });
  const text = [
    `fleet scale: ${o.task}, ${o.steps} transitions, seed ${o.seed}; N actors of ${o.envs} envs × batch/(${o.envs}·N) steps per chunk, --max-ahead ${o.maxAhead || 'none'}; learner batch ${o.batchSize}; checkpoints every ${o.checkpointEvery} updates evaluated on ${o.evalEpisodes} deterministic episodes; time from launch`,
    table([head, ...rows]),
    '',
    'commands:',
    ...[...new Set(outcomes.flatMap((r) => r.commands))].map((c) => `  ${c}`),
  ].join('\n');
  return {
    text,
    json: {
      task: o.task,
      steps: o.steps,
      threshold: o.threshold,
      outcomes: outcomes.map((r) => ({ ...r, reached: reach(r) })),
    },
  };
}
