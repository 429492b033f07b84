/**
 * Training progress for humans and machines. On a terminal: one progress bar on stderr, redrawn in
 * place (steps, percentage, ETA, latest return, steps/s). Elsewhere: one plain JSON line per
 * iteration on stdout, so pipes and CI logs stay machine-readable.
 */
import type { Writable } from 'node:stream';

export interface ProgressUpdate {
  readonly iteration: number;
  readonly steps: number;
  readonly totalSteps: number;
  /** Latest mean training return, or null when no episode ended yet. */
  readonly meanReturn: number | null;
  readonly evalReturn?: number | null;
  /** Steps per second of the last iteration. */
  readonly stepsPerSec: number;
  /** Seconds since training started (this process). */
  readonly elapsed: number;
  /** Steps done when this process started (non-zero after resume; for the ETA). */
  readonly startSteps: number;
}

export interface ProgressReporter {
  update(u: ProgressUpdate): void;
  /** Clear the bar before other output (`after` = false) and redraw it afterwards (true). */
  bracket(after: boolean): void;
  done(): void;
}

/** Seconds → "1h02m", "3m05s", "12s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** ETA from the average speed of this process (steps since start / elapsed). */
export function etaSeconds(u: ProgressUpdate): number {
  const done = u.steps - u.startSteps;
  if (done <= 0 || u.elapsed <= 0) return Number.NaN;
  // The last iteration may overshoot totalSteps (whole rollouts only): never a negative ETA.
  return (Math.max(0, u.totalSteps - u.steps) * u.elapsed) / done;
}

/** The bar line (without control characters), `width` columns for the bar itself. */
export function renderBar(u: ProgressUpdate, width = 28): string {
  const frac = Math.min(1, u.totalSteps > 0 ? u.steps / u.totalSteps : 1);
  const filled = Math.round(frac * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const ret = u.meanReturn === null ? '—' : u.meanReturn.toFixed(2);
  const ev =
    u.evalReturn === undefined || u.evalReturn === null ? '' : ` eval ${u.evalReturn.toFixed(2)}`;
  return (
    `${bar} ${(frac * 100).toFixed(1).padStart(5)}% ${u.steps}/${u.totalSteps} steps ` +
    `| it ${u.iteration} | return ${ret}${ev} | ${Math.round(u.stepsPerSec)} steps/s | ETA ${formatDuration(etaSeconds(u))}`
  );
}

class TtyProgress implements ProgressReporter {
  #out: Writable & { columns?: number };
  #last = '';
  constructor(out: Writable & { columns?: number }) {
    this.#out = out;
  }
  /** The bar cut to the terminal width (a pseudo-terminal may report 0 columns). */
  #fit(): string {
    const cols = this.#out.columns !== undefined && this.#out.columns > 0 ? this.#out.columns : 160;
    return this.#last.slice(0, Math.max(20, cols - 1));
  }
  update(u: ProgressUpdate): void {
    this.#last = renderBar(u, 20);
    this.#out.write(`\r\x1b[2K${this.#fit()}`);
  }
  bracket(after: boolean): void {
    if (this.#last === '') return;
    if (after) this.#out.write(this.#fit());
    else this.#out.write('\r\x1b[2K');
  }
  done(): void {
    if (this.#last !== '') this.#out.write('\n');
    this.#last = '';
  }
}

class JsonLinesProgress implements ProgressReporter {
  #out: Writable;
  constructor(out: Writable) {
    this.#out = out;
  }
  update(u: ProgressUpdate): void {
    const eta = etaSeconds(u);
    this.#out.write(
      `${JSON.stringify({
        type: 'progress',
        iteration: u.iteration,
        steps: u.steps,
        totalSteps: u.totalSteps,
        meanReturn: u.meanReturn,
        ...(u.evalReturn !== undefined ? { evalReturn: u.evalReturn } : {}),
        stepsPerSec: Math.round(u.stepsPerSec),
        etaSeconds: Number.isFinite(eta) ? Math.round(eta) : null,
      })}\n`,
    );
  }
  bracket(): void {}
  done(): void {}
}

class NoProgress implements ProgressReporter {
  update(): void {}
  bracket(): void {}
  done(): void {}
}

/** 'auto': a bar when stderr is a TTY, JSON lines on stdout otherwise. */
export function createProgress(mode: 'auto' | 'bar' | 'json' | 'none' = 'auto'): ProgressReporter {
  const m = mode === 'auto' ? (process.stderr.isTTY ? 'bar' : 'json') : mode;
  if (m === 'bar') return new TtyProgress(process.stderr);
  if (m === 'json') return new JsonLinesProgress(process.stdout);
  return new NoProgress();
}
