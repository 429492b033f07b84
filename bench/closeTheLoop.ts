/**
 * Closing the loop over DDS, issue 16's figure (NOT part of the test suite):
 *
 *   Record 50 explore episodes from the perturbed stand-in arm with the policy node, then replay.
 *   The replayed policy's success on that arm must be above the logged policy's. Report the ESS.
 *   3 seeds.
 *
 * Per seed, three processes of the real CLI talk over DDS (loopback discovery, ROS_DOMAIN_ID 67):
 *   1. `torquepilot sim-robot --task arm7-reach --perturb <stand-in> --seed <1000·(seed+1)>`:
 *      the stand-in arm in lockstep (one step per command), which resets itself at the horizon and
 *      announces every new episode on /torquepilot/episode;
 *   2. `torquepilot node --mode sim --checkpoint C --record <bag> --autostart` with
 *      `explore:=true explore_scale:=s seed:=<seed>`: the logged policy samples N(μ, (s·σ)²) and
 *      records each step with its density, its episodes cut at the arm's resets. The bench counts
 *      the node's `recording: episode boundary` lines and stops it with SIGINT (a clean shutdown
 *      finishes the bag) once `--episodes` episodes have ended;
 *   3. `torquepilot replay --bag <bag> --checkpoint C --out <C'>`: the ESS of the first
 *      iteration's weights (= n when explore_scale is 1: π = μ), that of the last iteration (the
 *      policy has moved away from the behaviour by then), and the new checkpoint.
 * Then `torquepilot eval --perturb <stand-in> --deterministic` of C (once) and of each C' on the
 * same episode seeds. The DDS part of every seed runs under an exclusive `flock` on --lock, so two
 * benches or DDS tests never share the domain at once. The same loop on reacher-2dof: in process,
 * test/ros/nodes/replayFromArm.test.ts; both nodes in one process over rclnodejs, on the nominal
 * arm, bench/exploreReplay.ts.
 *
 *   npx tsx bench/closeTheLoop.ts --checkpoint bench/out/robustness/nominal-seed0
 *   npx tsx bench/closeTheLoop.ts --checkpoint C --quick     # 2 episodes, 1 seed: proves it runs
 *   options: --seeds 0,1,2 --episodes 50 --explore-scale 1 --iterations 5 --weights truncated
 *            --eval-episodes 200 --perturb FILE --domain 67 --lock /tmp/dds.lock --out DIR --json
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, numberArg, numberListArg } from './benchArgs.js';
import { userShellEnvironment } from '../src/ros/index.js';
import { runTorquepilot as run } from './cliRun.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TASK = 'arm7-reach';

interface Args {
  checkpoint: string;
  perturb: string;
  seeds: number[];
  /** Complete episodes to record per seed. */
  episodes: number;
  /** The node's explore_scale: the behaviour's std is this × the trained one (≤ 1). */
  exploreScale: number;
  iterations: number;
  weights: string;
  evalEpisodes: number;
  domain: number;
  lock: string;
  out: string;
  json: boolean;
}

function parseCliArgs(argv: readonly string[]): Args {
  const B = 'closeTheLoop';
  const v = benchArgs(
    B,
    {
      checkpoint: { type: 'string' },
      perturb: { type: 'string', default: join('models', TASK, 'standIn.yaml') },
      seeds: { type: 'string', default: '0,1,2' },
      episodes: { type: 'string', default: '50' },
      'explore-scale': { type: 'string', default: '1' },
      iterations: { type: 'string', default: '5' },
      weights: { type: 'string', default: 'truncated' },
      // Success near 50 % has a binomial standard error of about 3.5 points over 200 episodes.
      'eval-episodes': { type: 'string', default: '200' },
      domain: { type: 'string', default: '67' },
      lock: { type: 'string', default: '/tmp/dds.lock' },
      out: { type: 'string', default: join(ROOT, 'bench', 'out', 'closeTheLoop') },
      json: { type: 'boolean' },
      quick: { type: 'boolean' },
    },
    argv,
  );
  if (v.checkpoint === undefined) throw new Error(`bench/${B}: --checkpoint is required`);
  const a: Args = {
    checkpoint: resolve(v.checkpoint),
    perturb: resolve(v.perturb),
    seeds: numberListArg(B, 'seeds', v.seeds, { integer: true, min: 0 }),
    episodes: numberArg(B, 'episodes', v.episodes, { integer: true, min: 1 }),
    exploreScale: numberArg(B, 'explore-scale', v['explore-scale'], { min: 0.01, max: 1 }),
    iterations: numberArg(B, 'iterations', v.iterations, { integer: true, min: 1 }),
    weights: v.weights,
    evalEpisodes: numberArg(B, 'eval-episodes', v['eval-episodes'], { integer: true, min: 1 }),
    domain: numberArg(B, 'domain', v.domain, { integer: true, min: 51, max: 99 }),
    lock: v.lock,
    out: resolve(v.out),
    json: v.json === true,
  };
  if (v.quick === true) {
    a.seeds = [0];
    a.episodes = 2;
    a.iterations = 1;
    a.evalEpisodes = 10;
  }
  return a;
}

// --- Processes -----------------------------------------------------------------------------------

/** A CLI process in its own process group, its output kept as lines and watched. */
class CliProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  readonly #watchers: Array<(line: string) => void> = [];

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      let rest = '';
      stream?.on('data', (d: Buffer) => {
        const parts = (rest + d.toString()).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          this.lines.push(line);
          for (const w of this.#watchers) w(line);
        }
      });
    }
    this.exited = new Promise((res) => this.#child.on('close', (code) => res(code)));
  }

  /** Calls `onLine` for every line from now on. */
  watch(onLine: (line: string) => void): void {
    this.#watchers.push(onLine);
  }

  /** The first line (seen or to come) matching `re`; rejects after `ms` or when it exits. */
  waitFor(re: RegExp, ms: number): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no line ${re} within ${ms} ms`)), ms);
      this.watch((l) => {
        if (re.test(l)) {
          clearTimeout(timer);
          res(l);
        }
      });
      void this.exited.then((code) => rej(new Error(`exited (${code}) before a line ${re}`)));
    });
  }

  /** SIGINT (Ctrl-C) to the process group; SIGKILL if it has not exited after `ms`. */
  async stop(ms = 20_000): Promise<number | null> {
    const pid = this.#child.pid;
    if (pid !== undefined && this.#child.exitCode === null) {
      process.kill(-pid, 'SIGINT');
      const timer = setTimeout(() => process.kill(-pid, 'SIGKILL'), ms);
      const code = await this.exited;
      clearTimeout(timer);
      return code;
    }
    return this.exited;
  }

  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }
}

/** Runs `fn` while holding an exclusive flock(1) on `file` (released when `fn` settles). */
async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const holder = spawn('flock', ['-x', file, 'sh', '-c', 'echo locked; exec cat'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((res, rej) => {
    holder.stdout.once('data', () => res());
    holder.once('close', (code) => rej(new Error(`flock ${file} exited (${code})`)));
  });
  try {
    return await fn();
  } finally {
    holder.stdin.end();
  }
}

async function runJson<T>(args: readonly string[]): Promise<T> {
  const r = await run([...args, '--json']);
  const line = r.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.code !== 0 || line === undefined)
    throw new Error(`bench/closeTheLoop: ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return JSON.parse(line) as T;
}

// --- One seed ------------------------------------------------------------------------------------

interface Recording {
  readonly simRobotCommand: string;
  readonly nodeCommand: string;
  /** Episodes that ended at a reset of the arm before the node was stopped. */
  readonly episodesEnded: number;
  /** The node's last recording line ("recording: wrote … (n episodes, m steps; …)"). */
  readonly wrote: string;
  readonly nodeExitCode: number | null;
  readonly seconds: number;
}

async function record(a: Args, seed: number, bag: string): Promise<Recording> {
  const env = userShellEnvironment(a.domain);
  const robotArgs = ['sim-robot', '--task', TASK, '--perturb', a.perturb];
  robotArgs.push('--seed', String(1000 * (seed + 1)), '--log-level', 'info');
  const nodeArgs = ['node', '--mode', 'sim', '--checkpoint', a.checkpoint, '--record', bag];
  nodeArgs.push('--autostart', '--log-level', 'debug', '--ros-args', '-p', 'explore:=true');
  nodeArgs.push('-p', `explore_scale:=${a.exploreScale}`, '-p', `seed:=${seed}`);
  const t0 = performance.now();
  const robot = new CliProcess(robotArgs, env);
  let node: CliProcess | undefined;
  try {
    const hello = await robot.waitFor(/simulating/, 120_000);
    if (!hello.includes('perturbed by'))
      throw new Error(`the sim robot simulates the nominal arm, not ${a.perturb}: ${hello}`);
    node = new CliProcess(nodeArgs, env);
    let ended = 0;
    const enough = new Promise<void>((res) => {
      node?.watch((line) => {
        const m = /recording: episode boundary \(([^)]*)\) after (\d+) steps/.exec(line);
        if (m !== null && Number(m[2]) > 1 && ++ended >= a.episodes) res();
      });
    });
    // 150 steps at 50 Hz = 3 s per episode; a generous bound for a loaded machine.
    const timeoutMs = 120_000 + a.episodes * 30_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        enough,
        node.exited.then((code) => {
          throw new Error(`the policy node exited (${code}):\n${node?.tail()}`);
        }),
        new Promise((_, rej) => {
          timer = setTimeout(
            () => rej(new Error(`${a.episodes} episodes took > ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      // A pending timer would keep the bench alive for the whole bound after its report.
      clearTimeout(timer);
    }
    const nodeExitCode = await node.stop();
    const wrote = node.lines.filter((l) => l.includes('recording: wrote')).at(-1) ?? '';
    if (nodeExitCode !== 0 || wrote === '')
      throw new Error(`the policy node ended with ${nodeExitCode}, no bag:\n${node.tail()}`);
    return {
      simRobotCommand: `torquepilot ${robotArgs.join(' ')}`,
      nodeCommand: `torquepilot ${nodeArgs.join(' ')}`,
      episodesEnded: ended,
      wrote: wrote.replace(/^.*recording: /, 'recording: ').replace(/["}]+$/, ''),
      nodeExitCode,
      seconds: (performance.now() - t0) / 1000,
    };
  } catch (err) {
    throw new Error(
      `bench/closeTheLoop: seed ${seed}: ${(err as Error).message}\n--- sim robot:\n${robot.tail()}`,
    );
  } finally {
    await node?.stop();
    await robot.stop();
  }
}

interface EvalJson {
  readonly successRate: number | null;
  readonly meanReturn: number;
  readonly medianFinalDistance: number | null;
}

interface ReplayJson {
  readonly transitions: number;
  readonly episodes: number;
  readonly deterministicSteps: number;
  readonly ess: number;
  readonly maxWeight: number;
  readonly kl: number;
  readonly surrogateBefore: number;
  readonly surrogateAfter: number;
  readonly iterations: ReadonlyArray<{ readonly ess: number }>;
}

function evalArgs(a: Args, checkpoint: string): string[] {
  return ['eval', '--checkpoint', checkpoint, '--perturb', a.perturb, '--deterministic'].concat(
    '--episodes',
    String(a.evalEpisodes),
  );
}

interface SeedResult {
  readonly seed: number;
  readonly recording: Recording;
  readonly replayCommand: string;
  readonly replay: ReplayJson;
  readonly evalCommand: string;
  readonly after: EvalJson;
}

async function oneSeed(a: Args, seed: number): Promise<SeedResult> {
  const dir = join(a.out, `seed${seed}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const bag = join(dir, 'bag');
  const recording = await withLock(a.lock, () => record(a, seed, bag));
  const replayed = join(dir, 'replayed');
  const replayArgs = ['replay', '--bag', bag, '--checkpoint', a.checkpoint, '--out', replayed];
  replayArgs.push('--weights', a.weights, '--iterations', String(a.iterations));
  const replay = await runJson<ReplayJson>(replayArgs);
  const after = await runJson<EvalJson>(evalArgs(a, replayed));
  return {
    seed,
    recording,
    replayCommand: `torquepilot ${replayArgs.join(' ')}`,
    replay,
    evalCommand: `torquepilot ${evalArgs(a, replayed).join(' ')}`,
    after,
  };
}

// --- Report --------------------------------------------------------------------------------------

function printReport(a: Args, before: EvalJson, results: readonly SeedResult[]): void {
  const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
  const rows = [
    [
      'seed',
      'episodes',
      'transitions',
      'ESS',
      'ESS/n',
      'last ESS',
      'success (return) before',
      'after',
    ],
  ];
  for (const r of results)
    rows.push([
      String(r.seed),
      String(r.replay.episodes),
      String(r.replay.transitions),
      r.replay.ess.toFixed(1),
      (r.replay.ess / r.replay.transitions).toFixed(3),
      (r.replay.iterations.at(-1)?.ess ?? NaN).toFixed(1),
      `${pct(before.successRate)} (${before.meanReturn.toFixed(2)})`,
      `${pct(r.after.successRate)} (${r.after.meanReturn.toFixed(2)})`,
    ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  for (const row of rows)
    process.stdout.write(`${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')}\n`);
  const pass = results.every((r) => (r.after.successRate ?? 0) > (before.successRate ?? 0));
  process.stdout.write(
    `\nsuccess (return) on ${a.perturb}, ${a.evalEpisodes} deterministic episodes; ` +
      `goal: after > before on every seed: ${pass ? 'pass' : 'FAIL'}\n`,
  );
  process.stdout.write(
    `machine: ${cpus().length} CPUs, load average at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(
        ' ',
      )}\n\ncommands (ROS_DOMAIN_ID=${a.domain} ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST):\n`,
  );
  process.stdout.write(`  torquepilot ${evalArgs(a, a.checkpoint).join(' ')}\n`);
  for (const r of results) {
    process.stdout.write(`  ${r.recording.simRobotCommand}\n  ${r.recording.nodeCommand}\n`);
    process.stdout.write(`    → ${r.recording.wrote}\n  ${r.replayCommand}\n  ${r.evalCommand}\n`);
  }
}

async function main(): Promise<void> {
  const a = parseCliArgs(process.argv.slice(2));
  const loadAtStart = loadavg();
  mkdirSync(a.out, { recursive: true });
  const before = await runJson<EvalJson>(evalArgs(a, a.checkpoint));
  const results: SeedResult[] = [];
  for (const seed of a.seeds) {
    const r = await oneSeed(a, seed);
    results.push(r);
    if (!a.json)
      process.stderr.write(
        `done: seed ${seed}: ESS ${r.replay.ess.toFixed(1)} of ${r.replay.transitions}, success ${before.successRate} → ${r.after.successRate}\n`,
      );
  }
  const summary = {
    machine: { cpus: cpus().length, node: process.version, loadAtStart, loadAtEnd: loadavg() },
    task: TASK,
    checkpoint: a.checkpoint,
    perturb: a.perturb,
    settings: {
      episodes: a.episodes,
      exploreScale: a.exploreScale,
      iterations: a.iterations,
      weights: a.weights,
      evalEpisodes: a.evalEpisodes,
      domain: a.domain,
    },
    before: { command: `torquepilot ${evalArgs(a, a.checkpoint).join(' ')}`, ...before },
    results,
    pass: results.every((r) => (r.after.successRate ?? 0) > (before.successRate ?? 0)),
  };
  writeFileSync(join(a.out, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (a.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else printReport(a, before, results);
}

await main();
