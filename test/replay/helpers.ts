/** Shared fixtures for the replay tests: deterministic synthetic episodes, temp dirs, checkpoints. */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { saveCheckpoint } from '../../src/policy/checkpoint.js';
import { GaussianPolicy, ValueNetwork } from '../../src/policy/index.js';
import type { GaussianPolicyOptions } from '../../src/policy/index.js';
import type { RecordedStep } from '../../src/replay/types.js';
import { Random } from '../../src/util/random.js';

export const JOINTS = ['shoulder', 'elbow'] as const;
export const OBS_SIZE = 3;

/**
 * `episodes` episodes of lengths 3, 4, 5, ... with awkward float values (π, 1/3, −0, tiny and huge
 * magnitudes) so bit-exactness is tested on values that do not survive float32 or decimal text.
 */
export function syntheticSteps(
  episodes: number,
  seed = 1,
  startNs = 1_700_000_000_123_456_789n,
  wild = true,
): RecordedStep[] {
  const rng = new Random(seed);
  const steps: RecordedStep[] = [];
  let stamp = startNs;
  for (let e = 0; e < episodes; e++) {
    const length = 3 + e;
    for (let t = 0; t < length; t++) {
      const last = t === length - 1;
      const v = (): number =>
        wild ? rng.normal() * 10 ** rng.int(7) * (rng.uniform() < 0.1 ? 1e-300 : 1) : rng.normal();
      steps.push({
        stampNs: stamp,
        episodeIndex: e,
        stepIndex: t,
        observation: [wild ? Math.PI * e : Math.sin(e), 1 / 3 + t, v()],
        action: [v(), -0],
        mean: [v(), v()],
        logStd: [-0.5 - t / 7, Math.log(0.3)],
        logProb: wild ? v() : -2 + 0.1 * v(),
        reward: -1 / 7 + v(),
        terminated: last && e % 2 === 1,
        truncated: last && e % 2 === 0,
        ...(last ? { finalObservation: [v(), v(), wild ? Number.MIN_VALUE : 0] } : {}),
        jointState: { position: [v(), v()], velocity: [v(), v()], effort: [v(), v()] },
        command: [v(), wild ? Number.MAX_VALUE : 0],
      });
      stamp += 10_000_000n;
    }
  }
  return steps;
}

/** An in-memory IWritable for the MCAP writer. */
export class MemoryWritable {
  #chunks: Uint8Array[] = [];
  #size = 0;
  async write(buffer: Uint8Array): Promise<void> {
    this.#chunks.push(buffer.slice());
    this.#size += buffer.byteLength;
  }
  position(): bigint {
    return BigInt(this.#size);
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#size);
    let off = 0;
    for (const c of this.#chunks) {
      out.set(c, off);
      off += c.byteLength;
    }
    return out;
  }
}

/** A fresh temporary directory `<tmpdir>/<prefix>XXXXXX`, removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * An untrained checkpoint at `dir` (iteration 0, cpu backend): a policy and a value network drawn
 * from `new Random(seed)`, one torque per joint unless `policyOptions` says otherwise.
 */
export function saveFreshCheckpoint(
  dir: string,
  checkpoint: {
    readonly task: string;
    readonly jointNames: readonly string[];
    readonly obsSize: number;
    readonly seed: number;
    readonly policyOptions?: Partial<GaussianPolicyOptions>;
  },
): void {
  const { task, jointNames, obsSize } = checkpoint;
  const rng = new Random(checkpoint.seed);
  const policy = new GaussianPolicy(
    { obsSize, actionSize: jointNames.length, ...checkpoint.policyOptions },
    rng.fork(),
  );
  const value = new ValueNetwork({ obsSize }, rng.fork());
  saveCheckpoint(dir, {
    task,
    jointNames,
    backend: 'cpu',
    iteration: 0,
    steps: 0,
    policy,
    value,
    hyperparameters: {},
  });
}

/** `torquepilot <args>` (src/cli.ts under tsx, from the repository root), run to completion. */
export function runCliSync(args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    encoding: 'utf8',
  });
}

/** Python's float.hex() of a double (bit-exact comparison with Python through JSON). */
export function floatHex(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0x0.0p+0' : '0x0.0p+0';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? '-' : '';
  const exp = Number((bits >> 52n) & 0x7ffn);
  const hex = (bits & 0xfffffffffffffn).toString(16).padStart(13, '0');
  if (exp === 0) return `${sign}0x0.${hex}p-1022`;
  const e = exp - 1023;
  return `${sign}0x1.${hex}p${e >= 0 ? '+' : ''}${e}`;
}
