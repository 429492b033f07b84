/**
 * SIGINT/SIGTERM handling for every long-running executable (policy node, sim robot, trainer
 * node, replay, train): one graceful shutdown, however the signals arrive.
 *
 * Why a grace window: Ctrl-C in a terminal running `ros2 launch` signals the whole foreground
 * process group, and launch then forwards its own SIGINT to each process a few ms later, so every
 * node gets two SIGINTs for one keypress. Launch escalates to SIGTERM after `sigterm_timeout` (5 s)
 * and to SIGKILL after `sigkill_timeout` (5 s more). So:
 * - the first SIGINT or SIGTERM starts `onShutdown(signal)` (once);
 * - a SIGINT within `graceMs` of the first signal is the same Ctrl-C (launch's copy): ignored;
 * - a SIGTERM during the shutdown is launch's escalation, not the user: logged, shutdown goes on;
 * - a SIGINT later than `graceMs` is a deliberate second Ctrl-C: `forceQuitMessage` is logged
 *   (what is given up, e.g. "exiting without a checkpoint") and the process exits 130 (128 + 2,
 *   the shell's code for "ended by SIGINT") at once.
 * After `onShutdown` resolves, the process exits 0 (or the number `onShutdown` resolves to); if it
 * rejects, the error is logged and the exit code is 1. Launch reports exit 0 as "finished cleanly".
 *
 * The listeners stay installed until the process exits (never `process.once`): between the first
 * and a later signal Node would otherwise fall back to the default action and die of the signal
 * (launch: "process has died, exit code -2"), possibly before a zero command went out.
 *
 * Usage:
 *   const shutdown = installShutdownHandlers({
 *     onShutdown: async () => { node.publishZero(); await transport.shutdown(); },
 *     forceQuitMessage: 'exiting without zeroing the command',
 *     log: logger,
 *   });
 *   await shutdown.done; // never resolves before a signal; the process exits right after
 */

/** Where the handlers report (a pino Logger or a NodeLogger fits). */
export interface ShutdownLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ShutdownOptions {
  /**
   * The graceful shutdown, called once with the first signal. Resolve with an exit code to use
   * instead of 0 (e.g. `train` keeps 130 for "interrupted, resumable" when run by hand).
   */
  readonly onShutdown: (signal: NodeJS.Signals) => Promise<number | void>;
  /** What a force-quit gives up, logged with it ("exiting without a checkpoint"). */
  readonly forceQuitMessage: string;
  /** Milliseconds after the first signal during which a SIGINT counts as the same Ctrl-C. */
  readonly graceMs?: number;
  readonly log: ShutdownLog;
  /** Prefix of every log line (e.g. the node name). */
  readonly name?: string;
  /** Exits the process; tests inject a recorder. Default `process.exit`. */
  readonly exit?: (code: number) => void;
  /** Monotonic milliseconds; tests inject a clock. Default `performance.now`. */
  readonly now?: () => number;
  /** Source of signals; tests inject an EventEmitter. Default `process`. */
  readonly signals?: SignalSource;
}

/** The part of `process` the handlers use. */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** How a shutdown ended (the value `done` resolves to, just before the process exits). */
export interface ShutdownOutcome {
  /** The signal that started the shutdown. */
  readonly signal: NodeJS.Signals;
  /** true: a later SIGINT cut the graceful shutdown short. */
  readonly forced: boolean;
  /** The exit code passed to `exit`: 0 (graceful), 130 (forced), 1 (onShutdown threw), or the code onShutdown gave. */
  readonly exitCode: number;
}

export interface ShutdownHandle {
  /** Resolves when the shutdown ended, right before `exit` is called. */
  readonly done: Promise<ShutdownOutcome>;
  /** The signal that started the shutdown, or null while none has arrived. */
  readonly signal: () => NodeJS.Signals | null;
  /**
   * Remove the listeners (e.g. the work ended without a signal and the process will exit by
   * itself). A shutdown in progress keeps its listeners until it exits: dispose is then a no-op.
   */
  dispose(): void;
}

export const SHUTDOWN_DEFAULTS = Object.freeze({
  /** ros2 launch forwards its SIGINT within a few ms of the terminal's; 1 s leaves a wide margin. */
  graceMs: 1000,
  /** Exit code of a force-quit: 128 + SIGINT (2), as a shell reports a process ended by Ctrl-C. */
  forceQuitExitCode: 130,
});

const HANDLED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Install SIGINT/SIGTERM listeners that run one graceful shutdown (see the file comment). */
export function installShutdownHandlers(options: ShutdownOptions): ShutdownHandle {
  const {
    onShutdown,
    forceQuitMessage,
    graceMs = SHUTDOWN_DEFAULTS.graceMs,
    log,
    name,
    exit = (code: number) => process.exit(code),
    now = () => performance.now(),
    signals = process,
  } = options;
  if (!Number.isFinite(graceMs) || graceMs < 0) {
    throw new Error(`installShutdownHandlers: graceMs ${graceMs} is not a number ≥ 0`);
  }
  const prefix = name === undefined || name === '' ? '' : `${name}: `;
  let first: { signal: NodeJS.Signals; at: number } | null = null;
  let finished = false;
  let installed = true;
  let resolveDone: (outcome: ShutdownOutcome) => void = () => undefined;
  const done = new Promise<ShutdownOutcome>((resolve) => {
    resolveDone = resolve;
  });

  const finish = (outcome: ShutdownOutcome): void => {
    if (finished) return;
    finished = true;
    resolveDone(outcome);
    exit(outcome.exitCode);
  };

  const listener = (signal: NodeJS.Signals): void => {
    if (finished) return;
    if (first === null) {
      first = { signal, at: now() };
      const started = first;
      log.warn(`${prefix}${signal}: shutting down (a second Ctrl-C after ${graceMs} ms forces it)`);
      let run: Promise<number | void>;
      try {
        run = onShutdown(signal);
      } catch (err) {
        run = Promise.reject(err);
      }
      run.then(
        (code) => {
          log.info(`${prefix}shutdown complete`);
          finish({ signal: started.signal, forced: false, exitCode: code ?? 0 });
        },
        (err: unknown) => {
          log.error(
            `${prefix}shutdown failed: ${err instanceof Error ? err.message : String(err)}`,
          );
          finish({ signal: started.signal, forced: false, exitCode: 1 });
        },
      );
      return;
    }
    const sinceMs = now() - first.at;
    if (signal === 'SIGTERM') {
      // ros2 launch sends SIGTERM sigterm_timeout (5 s) after its SIGINT: not the user.
      log.warn(
        `${prefix}SIGTERM ${sinceMs.toFixed(0)} ms into the shutdown (ros2 launch escalating): still shutting down`,
      );
      return;
    }
    if (sinceMs <= graceMs) {
      // The terminal's and ros2 launch's copies of one Ctrl-C arrive ms apart.
      log.info(`${prefix}SIGINT again after ${sinceMs.toFixed(0)} ms: the same Ctrl-C, ignored`);
      return;
    }
    log.error(`${prefix}second Ctrl-C: ${forceQuitMessage}`);
    finish({
      signal: first.signal,
      forced: true,
      exitCode: SHUTDOWN_DEFAULTS.forceQuitExitCode,
    });
  };

  for (const s of HANDLED_SIGNALS) signals.on(s, listener);
  return {
    done,
    signal: () => first?.signal ?? null,
    dispose(): void {
      if (!installed || (first !== null && !finished)) return;
      installed = false;
      for (const s of HANDLED_SIGNALS) signals.off(s, listener);
    },
  };
}
