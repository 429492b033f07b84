/**
 * Test helper: run the torquepilot CLI (src/cli.ts under tsx) as a child process, read its JSON
 * progress lines as they arrive, and optionally send a signal once a given iteration is reported.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Parsed JSON lines of stdout. */
  readonly lines: ReadonlyArray<Record<string, unknown>>;
}

export interface RunCliOptions {
  /** Send `signal` when a progress line with iteration ≥ this appears. */
  readonly stopAtIteration?: number;
  readonly signal?: NodeJS.Signals;
}

export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TORQUEPILOT_TF_BACKEND: 'cpu' },
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (sent || options.stopAtIteration === undefined) return;
      for (const raw of stdout.split('\n')) {
        if (!raw.startsWith('{')) continue;
        try {
          const l = JSON.parse(raw) as { type?: string; iteration?: number };
          if (l.type === 'progress' && (l.iteration ?? 0) >= options.stopAtIteration) {
            sent = true;
            child.kill(options.signal ?? 'SIGKILL');
            return;
          }
        } catch {
          // partial line: wait for more
        }
      }
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, signal, stdout, stderr, lines });
    });
  });
}
