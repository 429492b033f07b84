/** Shared fixtures for the replay tests: deterministic synthetic episodes. */
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
