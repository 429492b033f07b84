/**
 * `npm run bench:peers`: torquepilot against Stable-Baselines3 on the same machine, in one run
 * (issue 10). Builds the pinned Python venv if needed, trains every configuration on every task and
 * seed under one evaluation protocol, times the parts of an update on both sides, measures our
 * steps/s against worker threads, then prints the tables and the issue's target ratios and writes
 * bench/peers/results.json and bench/peers/learning-curves.svg.
 *
 * Usage: npx tsx bench/peers/run.ts [--quick] [--tasks pendulum,reacher] [--seeds 0,1,2]
 *        [--only sb3|ours] [--configs id,...] [--jobs 1] [--no-parts] [--no-scaling] [--python PATH]
 * Run with --help for every option. Not part of CI (CI only checks that this code parses).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../src/util/index.js';
import { parseOptions, HELP } from './options.js';
import { CONFIGS, taskInfo, trainCommand, type Job } from './plan.js';
import { runJson, runPool } from './proc.js';
import {
  REACHER_FALLBACK_THRESHOLD,
  evalAtBudget,
  formatParts,
  formatTable,
  mean,
  summarize,
  toRow,
} from './report.js';
import { learningCurvesSvg, type PlotTask } from './svg.js';
import { checkTargets, formatTargets } from './targets.js';
import type { PartsResult, Row, RunResult, ScalingPoint, TaskKey } from './types.js';
import { ensureVenv } from './venv.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const OUT_DIR = join(ROOT, 'bench', 'out', 'peers');

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cpus: c.length,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemGiB: +(freemem() / 2 ** 30).toFixed(1),
    loadavg: loadavg().map((x) => +x.toFixed(2)),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(HELP);
    return;
  }
  mkdirSync(join(OUT_DIR, 'logs'), { recursive: true });
  mkdirSync(join(OUT_DIR, 'runs'), { recursive: true });
  const started = new Date().toISOString();
  const machineStart = machine();
  log(`peers: machine ${JSON.stringify(machineStart)}`);
  const load1 = (machineStart.loadavg as number[])[0] ?? 0;
  if (load1 > 1) {
    log(
      `peers: warning: 1-minute load average is ${load1.toFixed(1)} before starting: other work is ` +
        'running, absolute figures will be pessimistic (ratios within this run still compare)',
    );
  }
  const tasks = taskInfo(o);
  for (const id of o.configs) {
    if (!CONFIGS.some((c) => c.id === id)) {
      throw new Error(
        `bench:peers: --configs: unknown id '${id}' (${CONFIGS.map((c) => c.id).join(', ')})`,
      );
    }
  }
  const configs = CONFIGS.filter(
    (c) =>
      (o.only === 'all' || o.only === c.side) &&
      (o.configs.length === 0 || o.configs.includes(c.id)),
  );
  const needPython = configs.some((c) => c.side === 'sb3') || (o.parts && o.only !== 'ours');
  const python = !needPython
    ? ''
    : (o.python ??
      ensureVenv({
        dir: join(HERE, '.venv'),
        requirements: join(HERE, 'requirements.txt'),
        pythonCandidates: ['python3.11', 'python3'],
        log,
      }));

  // ---- training runs ------------------------------------------------------------------------
  const jobs: Job[] = [];
  for (const task of o.tasks) {
    for (const seed of o.seeds) {
      for (const config of configs)
        if (config.tasks.includes(task)) jobs.push({ config, task, seed });
    }
  }
  log(`peers: ${jobs.length} training runs, ${o.jobs} at a time`);
  const results = o.train
    ? await runPool(jobs, o.jobs, async (job, i) => {
        const name = `${job.config.id}-${job.task}-${job.seed}`;
        const [cmd, args] = trainCommand(o, python, job);
        // The raw result is kept per command line, so --reuse skips exactly the same run.
        const key = createHash('sha256').update(args.slice(1).join(' ')).digest('hex').slice(0, 10);
        const raw = join(OUT_DIR, 'runs', `${name}-${key}.json`);
        if (o.reuse && existsSync(raw)) {
          log(`peers: [${i + 1}/${jobs.length}] ${name}: reusing ${raw}`);
          return JSON.parse(readFileSync(raw, 'utf8')) as RunResult;
        }
        const t = Date.now();
        const r = await runJson<RunResult>(cmd, args, join(OUT_DIR, 'logs', `${name}.log`));
        writeFileAtomic(raw, JSON.stringify(r) + '\n');
        log(
          `peers: [${i + 1}/${jobs.length}] ${name}: ${r.stepsPerSecond.toFixed(0)} steps/s, ${r.trainSeconds.toFixed(1)} s training, ${((Date.now() - t) / 1000).toFixed(0)} s total`,
        );
        return r;
      })
    : [];
  const failures = results.flatMap((r, i) =>
    r instanceof Error ? [{ job: jobs[i]!, error: r.message }] : [],
  );
  for (const f of failures)
    log(`peers: FAILED ${f.job.config.id} ${f.job.task} seed ${f.job.seed}: ${f.error}`);
  const done = results.flatMap((r, i) =>
    r instanceof Error ? [] : [{ job: jobs[i]!, result: r }],
  );

  // Reacher threshold: SB3 TRPO's (1 thread) mean return at the last budget, in this run.
  const reacherBudget = Math.max(...tasks.reacher.budgets);
  const sb3Reacher = done.filter(
    (d) => d.job.config.id === 'sb3-trpo-1t' && d.job.task === 'reacher',
  );
  const sb3ReacherAtBudget = sb3Reacher.map((d) => evalAtBudget(d.result.evals, reacherBudget));
  const reacherThreshold =
    sb3Reacher.length > 0 && sb3ReacherAtBudget.every((e) => e !== null)
      ? mean(sb3ReacherAtBudget.map((e) => e!.meanReturn))
      : REACHER_FALLBACK_THRESHOLD;
  const reacherSb3Seconds =
    sb3Reacher.length > 0 && sb3ReacherAtBudget.every((e) => e !== null)
      ? mean(sb3ReacherAtBudget.map((e) => e!.trainSeconds))
      : null;
  const thresholdOf = (t: TaskKey): number | null =>
    t === 'reacher' ? reacherThreshold : tasks[t].threshold;
  const rows: Row[] = done.map((d) =>
    toRow(d.job.config, d.job.task, tasks[d.job.task], thresholdOf(d.job.task), d.result),
  );
  const summaries = summarize(rows);

  // ---- parts --------------------------------------------------------------------------------
  const parts: PartsResult[] = [];
  const partsErrors: string[] = [];
  if (o.parts) {
    const partsJobs: [string, string, string[]][] = [];
    const small = o.quick
      ? [
          '--updates',
          '2',
          '--fvp-repeats',
          '10',
          '--cg-repeats',
          '2',
          '--forward-calls',
          '2000',
          '--physics-steps',
          '5000',
        ]
      : [];
    if (o.only !== 'ours') {
      for (const threads of ['1', 'default']) {
        partsJobs.push([
          `sb3-parts-${threads}`,
          python,
          [join(HERE, 'sb3_parts.py'), '--env', tasks.pendulum.gym, '--threads', threads, ...small],
        ]);
      }
    }
    if (o.only !== 'sb3') {
      partsJobs.push([
        'ours-parts',
        process.execPath,
        [
          '--import',
          'tsx',
          join(HERE, 'ours.ts'),
          'parts',
          '--task',
          tasks.pendulum.ours,
          ...(o.quick ? ['--quick'] : []),
        ],
      ]);
    }
    for (const [name, cmd, args] of partsJobs) {
      try {
        parts.push(await runJson<PartsResult>(cmd, args, join(OUT_DIR, 'logs', `${name}.log`)));
        log(`peers: ${name} done`);
      } catch (e) {
        partsErrors.push((e as Error).message);
        log(`peers: ${name} FAILED: ${(e as Error).message}`);
      }
    }
  }

  // The learning helper's bench (bench/learn.ts --json), when present: tfjs double-backprop
  // reference, subsampled products, reacher and arm7 sizes. Kept in results.json as is.
  let learnBench: unknown = null;
  const learnTs = join(ROOT, 'bench', 'learn.ts');
  if (o.parts && o.only !== 'sb3' && existsSync(learnTs)) {
    try {
      learnBench = await runJson<unknown>(
        process.execPath,
        ['--import', 'tsx', learnTs, '--json', ...(o.quick ? ['--quick'] : [])],
        join(OUT_DIR, 'logs', 'ours-learn-bench.log'),
      );
      log('peers: bench/learn.ts --json done');
    } catch (e) {
      partsErrors.push((e as Error).message);
      log(`peers: bench/learn.ts FAILED: ${(e as Error).message}`);
    }
  }

  // ---- scaling: ours, steps/s against worker threads ----------------------------------------
  const scaling: ScalingPoint[] = [];
  if (o.scaling && o.only !== 'sb3') {
    for (const workers of o.workers) {
      const args = [
        '--import',
        'tsx',
        join(HERE, 'ours.ts'),
        'train',
        '--algo',
        'trpo',
        '--task',
        tasks.pendulum.ours,
        '--seed',
        '0',
        '--steps',
        String(o.scalingSteps),
        '--workers',
        String(workers),
        '--eval-every',
        '0',
      ];
      try {
        const r = await runJson<RunResult>(
          process.execPath,
          args,
          join(OUT_DIR, 'logs', `ours-scaling-${workers}.log`),
        );
        scaling.push({
          workers,
          stepsPerSecond: r.stepsPerSecond,
          ...(r.fractions ? { fractions: r.fractions } : {}),
        });
      } catch (e) {
        partsErrors.push((e as Error).message);
        log(`peers: scaling with ${workers} workers FAILED: ${(e as Error).message}`);
      }
    }
  }

  // ---- report -------------------------------------------------------------------------------
  // Task targets only for the tasks this run trained; the parts targets always.
  const targets = checkTargets(summaries, reacherSb3Seconds, reacherBudget, parts).filter(
    (t) => !/^(pendulum|reacher) /.test(t.name) || o.tasks.some((k) => t.name.startsWith(`${k} `)),
  );
  const text: string[] = [];
  text.push(
    `Peer bench, ${started}, ${String(machineStart.cpuModel)} x${String(machineStart.cpus)}, load at start ${JSON.stringify(machineStart.loadavg)}`,
  );
  text.push(
    `Thresholds: pendulum 1000; reacher ${reacherThreshold.toFixed(2)} (${reacherSb3Seconds === null ? 'fallback' : 'SB3 TRPO mean at budget'}). Seconds exclude evaluation.\n`,
  );
  text.push(formatTable(rows, tasks));
  text.push('Means over seeds:');
  for (const s of summaries) {
    const budgets = Object.entries(s.meanReturnAtBudget).map(
      ([b, v]) =>
        `R@${Number(b) / 1000}k ${v === null ? '-' : v.toFixed(s.task === 'reacher' ? 2 : 0)}`,
    );
    text.push(
      `  ${s.label} / ${s.task}: ${s.meanStepsPerSecond.toFixed(0)} steps/s, reached ${s.reached}/${s.seeds}, ${s.meanSecondsToThreshold === null ? '-' : s.meanSecondsToThreshold.toFixed(1)} s to thr., ${budgets.join(', ')}`,
    );
  }
  if (parts.length) text.push(`\nParts (N = samples):\n${formatParts(parts)}`);
  if (scaling.length) {
    text.push('\nOurs, TRPO on the pendulum, training steps/s against worker threads:');
    for (const p of scaling) {
      const fr = p.fractions
        ? Object.entries(p.fractions)
            .map(([k, v]) => `${k} ${(100 * v).toFixed(0)}%`)
            .join(', ')
        : 'no timing breakdown reported';
      text.push(`  ${p.workers} worker(s): ${p.stepsPerSecond.toFixed(0)} steps/s (${fr})`);
    }
  }
  text.push(`\nIssue 10 targets (ratios from this run):\n${formatTargets(targets)}`);
  if (failures.length || partsErrors.length)
    text.push(
      `\n${failures.length + partsErrors.length} part(s) failed; see ${join('bench', 'out', 'peers', 'logs')}/`,
    );
  process.stdout.write(text.join('\n') + '\n');

  const results_ = {
    benchVersion: 1,
    started,
    finished: new Date().toISOString(),
    machine: { ...machineStart, loadavgEnd: loadavg().map((x) => +x.toFixed(2)) },
    options: o,
    thresholds: {
      pendulum: 1000,
      reacher: reacherThreshold,
      reacherSource: reacherSb3Seconds === null ? 'fallback' : 'sb3-trpo-1t mean at budget',
    },
    configs,
    rows,
    summaries,
    parts,
    learnBench,
    scaling,
    targets,
    failures,
    partsErrors,
    runs: done.map((d) => ({ ...d.result, config: d.job.config.id, taskKey: d.job.task })),
  };
  writeFileAtomic(o.out, JSON.stringify(results_, null, 1) + '\n');
  const plots: PlotTask[] = o.tasks.map((t) => ({
    title: `${tasks[t].gym} / ${tasks[t].ours}`,
    threshold: thresholdOf(t),
    curves: done
      .filter((d) => d.job.task === t)
      .map((d) => ({
        config: d.job.config.id,
        label: d.job.config.label,
        seed: d.job.seed,
        evals: d.result.evals,
      })),
  }));
  if (plots.some((p) => p.curves.length > 0)) {
    writeFileAtomic(
      o.svg,
      learningCurvesSvg(
        plots,
        `npm run bench:peers ${process.argv.slice(2).join(' ')} — ${started}, ${String(machineStart.cpuModel)}`,
      ),
    );
  }
  log(`peers: wrote ${o.out}${existsSync(o.svg) ? ` and ${o.svg}` : ''}`);
  if (failures.length || partsErrors.length) process.exitCode = 1;
}

await main();
