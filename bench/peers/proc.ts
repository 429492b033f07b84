/**
 * Child processes of the peer bench: run one command and read the JSON object it prints, and run a
 * list of such jobs a few at a time.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: every child runs there. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The last one-line JSON object of `out`, else `out` from its first line that opens one. */
export function lastJson(out: string): unknown {
  const lines = out.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.startsWith('{')) continue;
    try {
      return JSON.parse(lines[i]!);
    } catch {
      try {
        return JSON.parse(lines.slice(i).join('\n'));
      } catch {
        // an opening line of a pretty-printed object: keep looking upwards
      }
    }
  }
  return undefined;
}

/** Runs a command, returns the JSON object it printed last on stdout; stderr goes to `logFile`. */
export function runJson<T>(cmd: string, args: readonly string[], logFile: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new Error(`peers: cannot start ${cmd}: ${e.message}`)));
    child.on('close', (code) => {
      writeFileSync(logFile, `$ ${cmd} ${args.join(' ')}\n${err}\n--- stdout ---\n${out}`);
      const parsed = lastJson(out);
      if (code !== 0 || parsed === undefined) {
        reject(
          new Error(
            `peers: ${cmd} ${args.join(' ')} exited ${code} without a JSON result; log: ${logFile}\n${err.slice(-1500)}`,
          ),
        );
        return;
      }
      resolvePromise(parsed as T);
    });
  });
}

/** Runs jobs `jobs` at a time, in the given order (sides interleaved so load drift hits both). */
export async function runPool<T, R>(
  items: readonly T[],
  jobs: number,
  fn: (x: T, i: number) => Promise<R>,
): Promise<(R | Error)[]> {
  const results: (R | Error)[] = new Array<R | Error>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (e) {
        results[i] = e instanceof Error ? e : new Error(String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return results;
}
