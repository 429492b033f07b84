/**
 * The peer bench's Python side: a git-ignored venv at bench/peers/.venv with the exact pins of
 * bench/peers/requirements.txt. Idempotent: a stamp file records the hash of requirements.txt and
 * the interpreter version, and the venv is rebuilt only when either changes.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/util/index.js';

export interface VenvOptions {
  /** Folder of the venv. */
  readonly dir: string;
  /** The pinned requirements file. */
  readonly requirements: string;
  /** Interpreters to try, first that exists wins; the pins are for Python 3.11. */
  readonly pythonCandidates: readonly string[];
  /** Print progress lines. */
  readonly log: (line: string) => void;
}

const STAMP = '.torquepilot-stamp.json';

interface Stamp {
  readonly requirementsSha256: string;
  readonly python: string;
}

function run(cmd: string, args: readonly string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`peers/venv: ${what}: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(
      `peers/venv: ${what} failed (${cmd} ${args.join(' ')}, exit ${r.status}):\n${r.stderr.slice(-2000)}`,
    );
  }
  return r.stdout;
}

function findPython(candidates: readonly string[]): { exe: string; version: string } {
  for (const exe of candidates) {
    const r = spawnSync(exe, ['-c', 'import sys; print(sys.version.split()[0])'], {
      encoding: 'utf8',
    });
    if (r.status === 0) return { exe, version: r.stdout.trim() };
  }
  throw new Error(
    `peers/venv: no Python found; tried ${candidates.join(', ')}. Install Python 3.11 (the pins in ` +
      'bench/peers/requirements.txt are for 3.11) or pass --python PATH.',
  );
}

/**
 * Makes sure the venv exists with the pinned packages and returns its python executable.
 * Rebuilds from scratch when the stamp does not match (a half-built venv has no stamp).
 */
export function ensureVenv(opts: VenvOptions): string {
  const python = join(opts.dir, 'bin', 'python');
  const sha = createHash('sha256').update(readFileSync(opts.requirements)).digest('hex');
  const stampPath = join(opts.dir, STAMP);
  if (existsSync(stampPath) && existsSync(python)) {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as Partial<Stamp>;
    const version = findPython([python]).version;
    if (stamp.requirementsSha256 === sha && stamp.python === version) return python;
    opts.log(`peers: ${opts.requirements} or Python changed; rebuilding ${opts.dir}`);
  }
  const base = findPython(opts.pythonCandidates);
  if (!base.version.startsWith('3.11')) {
    opts.log(`peers: warning: ${base.exe} is Python ${base.version}; the pins were made on 3.11`);
  }
  rmSync(opts.dir, { recursive: true, force: true });
  opts.log(`peers: creating ${opts.dir} with ${base.exe} (Python ${base.version})`);
  run(base.exe, ['-m', 'venv', opts.dir], 'python -m venv');
  opts.log('peers: installing pinned packages (torch with its CUDA wheels is a few GB; once only)');
  run(python, ['-m', 'pip', 'install', '--quiet', '-r', opts.requirements], 'pip install');
  const stamp: Stamp = { requirementsSha256: sha, python: findPython([python]).version };
  writeFileAtomic(stampPath, JSON.stringify(stamp, null, 2) + '\n');
  return python;
}
