/**
 * Process plumbing of bench/fleet.ts: `torquepilot` commands spawned through tsx from the
 * repository root (as bench/cliRun.ts runs them) but streamed line by line, their CPU time read
 * from /proc/<pid>/stat, and the checkpoints of a run evaluated afterwards with one evaluator (so
 * that `train` and the fleet are timed to a threshold by the same measure).
 *
 * The bench applies the ROS environment to itself first (ensureRosEnvironment re-runs it once), so
 * the commands it spawns inherit it and do not re-run themselves: the pid spawned is the process
 * that works, and its /proc/<pid>/stat is the command's CPU time.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeEnv } from '../sim/index.js';
import { loadCheckpoint, policyFromCheckpoint } from '../src/policy/index.js';
import { evaluatePolicy } from '../src/train/index.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

const CLK_TCK = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of a live process (null once it is gone). */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** CPU seconds of this process's waited-for children (cutime + cstime). */
export function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[13]) + Number(rest[14])) / CLK_TCK;
}

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly spawnedAt: number;
  /** Every stdout line that parsed as JSON. */
  readonly json: Record<string, unknown>[];
  stderr: string;
  /** The last CPU-time sample (seconds) and when it was read. */
  cpu: number;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Seconds from spawn to exit (NaN while running). */
  seconds: number;
}

/**
 * Spawn `torquepilot <args>` (src/cli.ts through tsx, from the repository root), or a bench script
 * when `script` is given. `onJson` sees each JSON line as it arrives.
 */
export function spawnProc(
  name: string,
  args: readonly string[],
  options: { script?: string; onJson?: (line: Record<string, unknown>) => void } = {},
): Proc {
  const entry = options.script ?? 'src/cli.ts';
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  const spawnedAt = performance.now();
  let buffer = '';
  const proc: Proc = {
    name,
    child,
    pid: child.pid ?? -1,
    spawnedAt,
    json: [],
    stderr: '',
    cpu: 0,
    seconds: Number.NaN,
    exited: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        proc.seconds = (performance.now() - spawnedAt) / 1000;
        resolve(code);
      });
    }),
  };
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (!line.startsWith('{')) continue;
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        proc.json.push(obj);
        sample(proc);
        options.onJson?.(obj);
      } catch {
        // not a JSON line
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    proc.stderr = (proc.stderr + d.toString()).slice(-20_000);
  });
  return proc;
}

/** Read a process's CPU time into `proc.cpu` (kept at its last value once the process is gone). */
export function sample(proc: Proc): void {
  const c = cpuSeconds(proc.pid);
  if (c !== null) proc.cpu = c;
}

/** Sample every process's CPU time every `ms` until `stop()`. */
export function sampleEvery(procs: () => readonly Proc[], ms = 100): () => void {
  const timer = setInterval(() => procs().forEach(sample), ms);
  return () => clearInterval(timer);
}

/** Wait for exit; throw with the stderr tail if the exit code is not 0. */
export async function expectExit(proc: Proc): Promise<void> {
  const code = await proc.exited;
  if (code !== 0)
    throw new Error(`bench/fleet: ${proc.name} exited with ${code}:\n${proc.stderr.slice(-3000)}`);
}

/** SIGINT (the commands stop in order on it), then wait. */
export async function stop(proc: Proc): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGINT');
  await expectExit(proc);
}

export const lastOf = (proc: Proc, type: string): Record<string, unknown> | undefined =>
  proc.json.filter((l) => l['type'] === type).at(-1);

export const num = (x: unknown): number => (typeof x === 'number' ? x : Number.NaN);

/** The 1-minute load average, for the output (the machine is shared). */
export const load1 = (): number => Number((loadavg()[0] ?? 0).toFixed(2));

/** Print rows as an aligned table. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')).join('\n');
}

export interface CheckpointPoint {
  /** Environment steps (transitions learned from) at the checkpoint. */
  readonly steps: number;
  /** Seconds from the run's first spawn to the checkpoint's manifest being written. */
  readonly seconds: number;
  readonly evalReturn: number;
}

/**
 * Deterministic evaluation of every checkpoint of a run directory, in the order they were written
 * (`episodes` episodes, seed `seed`: the same evaluator for `train` and the learner).
 */
export async function evaluateCheckpoints(
  runDir: string,
  task: string,
  startedAtMs: number,
  episodes: number,
  seed: number,
): Promise<CheckpointPoint[]> {
  const folder = join(runDir, 'checkpoints');
  if (!existsSync(folder)) return [];
  const env = await makeEnv(task);
  try {
    const points: CheckpointPoint[] = [];
    for (const name of readdirSync(folder)) {
      const manifest = join(folder, name, 'manifest.json');
      if (!existsSync(manifest)) continue;
      const ckpt = loadCheckpoint(join(folder, name));
      const ev = evaluatePolicy(env, policyFromCheckpoint(ckpt), {
        episodes,
        deterministic: true,
        seed,
      });
      points.push({
        steps: ckpt.manifest.steps,
        seconds: (statSync(manifest).mtimeMs - startedAtMs) / 1000,
        evalReturn: ev.meanReturn,
      });
    }
    return points.sort((a, b) => a.steps - b.steps);
  } finally {
    env.close();
  }
}

/** The first checkpoint at or above `threshold` (null: none reached it). */
export function firstReaching(
  points: readonly CheckpointPoint[],
  threshold: number,
): CheckpointPoint | null {
  return points.find((p) => p.evalReturn >= threshold) ?? null;
}
