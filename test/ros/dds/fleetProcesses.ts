/**
 * Starting the fleet's commands as processes for the DDS tests (fleet.test.ts,
 * fleetResume.test.ts), and reading their JSON lines.
 */
import { join } from 'node:path';
import { ManagedProcess, ROOT, rosProcessEnv } from './harness.js';

/** `torquepilot <args>` as its own process on DDS domain `domain`. */
export function startCli(domain: number, label: string, args: string[]): ManagedProcess {
  return ManagedProcess.start(
    label,
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args],
    rosProcessEnv(domain, { node: true }),
  );
}

/** A test fixture script (test/ros/dds/fixtures/<name>) as its own process. */
export function startFixture(domain: number, name: string, args: string[]): ManagedProcess {
  return ManagedProcess.start(
    name,
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/ros/dds/fixtures', name), ...args],
    rosProcessEnv(domain, { node: true }),
  );
}

export const REACHER = ['--task', 'reacher-2dof'];

/** Transitions per chunk of `startActor`. */
export const ACTOR_CHUNK = 512;

/**
 * An actor of reacher-2dof: 8 envs × 64 steps = ACTOR_CHUNK transitions per chunk, collecting at
 * most `maxAhead` chunks beyond the parameter snapshots it has received (actor --max-ahead), so
 * that on a loaded machine (CI's) the actors do not run far ahead of the learner: the lag, and the
 * CPU taken from the learner, stay bounded. Give it the learner's batch in chunks, so that one
 * actor alone always has a whole batch out for the learner's next version.
 */
export function startActor(
  domain: number,
  id: string,
  seed: number,
  maxAhead: number,
): ManagedProcess {
  return startCli(domain, id, [
    'actor',
    '--max-ahead',
    String(maxAhead),
    ...REACHER,
    '--envs',
    '8',
    '--chunk-steps',
    '64',
    '--seed',
    String(seed),
    '--actor-id',
    id,
  ]);
}

export type JsonLine = Record<string, unknown> & { type?: string };

/** Every stdout line of `p` that is a JSON object of `type`. */
export function jsonLines(p: ManagedProcess, type: string): JsonLine[] {
  const out: JsonLine[] = [];
  for (const line of p.lines) {
    if (!line.startsWith('{"type":')) continue;
    const value = JSON.parse(line) as JsonLine;
    if (value.type === type) out.push(value);
  }
  return out;
}

/** The one JSON line of `type` (throws with the process's tail when there is none). */
export function jsonLine(p: ManagedProcess, type: string): JsonLine {
  const found = jsonLines(p, type);
  if (found.length !== 1)
    throw new Error(`${p.label}: ${found.length} lines of type ${type}\n${p.tail()}`);
  return found[0] as JsonLine;
}

/** Resolves once `p` printed an update metrics line for which `ok` holds. */
export function waitForUpdate(
  p: ManagedProcess,
  ok: (update: JsonLine) => boolean,
  timeoutMs: number,
  what = 'the awaited update',
): Promise<void> {
  const reached = (l: string): boolean =>
    l.startsWith('{"type":"update"') && ok(JSON.parse(l) as JsonLine);
  if (p.lines.some(reached)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(`${p.label}: no update line with ${what} within ${timeoutMs} ms\n${p.tail()}`),
      );
    }, timeoutMs);
    const off = p.onLine((l) => {
      if (!reached(l)) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Resolves once `p` printed update metrics at version ≥ `v`. */
export function waitForVersion(p: ManagedProcess, v: number, timeoutMs: number): Promise<void> {
  return waitForUpdate(p, (u) => (u['version'] as number) >= v, timeoutMs, `version ≥ ${v}`);
}

/** The version an actor first acted with (its "acting with version N" log line). */
export async function firstActingVersion(p: ManagedProcess, timeoutMs: number): Promise<number> {
  const line = await p.waitForLine(/acting with version \d+/, timeoutMs);
  return Number(/acting with version (\d+)/.exec(line)?.[1]);
}
