/**
 * Latency samples in a preallocated ring (no allocation per sample), with percentiles computed on
 * demand (diagnostics at 1 Hz, the deploy report at the end).
 */
export class LatencyRing {
  readonly #samples: Float64Array;
  #count = 0;
  #next = 0;
  #max = 0;

  /** @param capacity number of most recent samples kept (e.g. 2^17 ≈ 4 min at 500 Hz). */
  constructor(capacity = 1 << 17) {
    this.#samples = new Float64Array(capacity);
  }

  push(value: number): void {
    this.#samples[this.#next] = value;
    this.#next = (this.#next + 1) % this.#samples.length;
    if (this.#count < this.#samples.length) this.#count++;
    if (value > this.#max) this.#max = value;
  }

  /** Samples pushed so far, up to the capacity. */
  get size(): number {
    return this.#count;
  }
  /** Largest sample ever pushed. */
  get max(): number {
    return this.#max;
  }

  /** The most recent `last` samples (all kept ones by default), oldest first. */
  recent(last = this.#count): Float64Array {
    const n = Math.min(last, this.#count);
    const out = new Float64Array(n);
    const cap = this.#samples.length;
    for (let k = 0; k < n; k++) {
      out[k] = this.#samples[(this.#next - n + k + cap) % cap] as number;
    }
    return out;
  }

  /** Percentile q ∈ [0, 100] of the most recent `last` samples; NaN when empty. */
  percentile(q: number, last = this.#count): number {
    return percentile(this.recent(last), q);
  }

  clear(): void {
    this.#count = 0;
    this.#next = 0;
    this.#max = 0;
  }
}

/**
 * Percentile by linear interpolation between closest ranks (NumPy's default 'linear' method):
 * position p = q/100 · (n − 1), value = x[⌊p⌋] + (p − ⌊p⌋)(x[⌊p⌋+1] − x[⌊p⌋]) on sorted x.
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const p = (Math.min(100, Math.max(0, q)) / 100) * (n - 1);
  const lo = Math.floor(p);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (p - lo) * (b - a);
}
