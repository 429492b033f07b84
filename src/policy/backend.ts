/**
 * TensorFlow.js backend selection. Order: `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`
 * (native libtensorflow, when installed AND loadable), then `@tensorflow/tfjs-backend-wasm`, then
 * the pure-JS CPU backend. The argument `requested` or the environment variable
 * `TORQUEPILOT_TF_BACKEND` (values: auto | tensorflow | wasm | cpu) overrides the order.
 *
 * tfjs is the reference implementation and general autodiff of torquepilot (src/policy/tfjsReference.ts,
 * the VPG update); the hot paths are plain-TS kernels tested equal to it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Logger } from 'pino';

export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  /** The tfjs backend now active: 'tensorflow' (tfjs-node[-gpu]), 'wasm' or 'cpu'. */
  readonly backend: string;
  /** The npm package that provides it. */
  readonly package: string;
  /** Why earlier candidates were skipped (package: reason). */
  readonly skipped: readonly string[];
}

let chosen: BackendChoice | undefined;
let pending: Promise<BackendChoice> | undefined;

/** The backend chosen by `initBackend`, if it ran. */
export function currentBackend(): BackendChoice | undefined {
  return chosen;
}

async function tryNative(pkg: string): Promise<string | undefined> {
  try {
    await import(pkg);
    const ok = await tf.setBackend('tensorflow');
    return ok ? undefined : `${pkg}: setBackend('tensorflow') returned false`;
  } catch (err) {
    return `${pkg}: ${String((err as Error).message ?? err).split('\n')[0]}`;
  }
}

async function tryWasm(): Promise<string | undefined> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    try {
      // Point at the .wasm binaries next to the package's entry (needed when bundled or run from
      // another working directory; harmless otherwise).
      const require = createRequire(import.meta.url);
      const entry = require.resolve('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(join(dirname(entry), '/'));
    } catch {
      // resolve failed: let the backend find its binaries on its own.
    }
    const ok = await tf.setBackend('wasm');
    return ok ? undefined : `@tensorflow/tfjs-backend-wasm: setBackend('wasm') returned false`;
  } catch (err) {
    return `@tensorflow/tfjs-backend-wasm: ${String((err as Error).message ?? err).split('\n')[0]}`;
  }
}

async function tryCpu(): Promise<string | undefined> {
  try {
    await import('@tensorflow/tfjs-backend-cpu');
    const ok = await tf.setBackend('cpu');
    return ok ? undefined : `@tensorflow/tfjs-backend-cpu: setBackend('cpu') returned false`;
  } catch (err) {
    return `@tensorflow/tfjs-backend-cpu: ${String((err as Error).message ?? err)}`;
  }
}

/**
 * Choose and activate a tfjs backend once per process (later calls return the first choice unless
 * a different explicit backend is requested). Logs the choice once at info level, and each
 * fallback at warn level.
 */
export async function initBackend(
  requested?: BackendName,
  logger?: Logger,
): Promise<BackendChoice> {
  const want = (requested ??
    (process.env['TORQUEPILOT_TF_BACKEND'] as BackendName | undefined) ??
    'auto') as string;
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(want)) {
    throw new Error(
      `initBackend: unknown backend '${want}' (from ${requested ? 'argument' : 'TORQUEPILOT_TF_BACKEND'}); expected auto, tensorflow, wasm or cpu`,
    );
  }
  if (chosen && (want === 'auto' || want === chosen.backend)) return chosen;
  if (pending && want === 'auto') return pending;
  const run = async (): Promise<BackendChoice> => {
    const skipped: string[] = [];
    const candidates: Array<[string, string, () => Promise<string | undefined>]> = [];
    if (want === 'auto' || want === 'tensorflow') {
      candidates.push([
        'tensorflow',
        '@tensorflow/tfjs-node-gpu',
        () => tryNative('@tensorflow/tfjs-node-gpu'),
      ]);
      candidates.push([
        'tensorflow',
        '@tensorflow/tfjs-node',
        () => tryNative('@tensorflow/tfjs-node'),
      ]);
    }
    if (want === 'auto' || want === 'wasm')
      candidates.push(['wasm', '@tensorflow/tfjs-backend-wasm', tryWasm]);
    if (want === 'auto' || want === 'cpu')
      candidates.push(['cpu', '@tensorflow/tfjs-backend-cpu', tryCpu]);
    for (const [backend, pkg, attempt] of candidates) {
      const why = await attempt();
      if (why === undefined) {
        const choice: BackendChoice = { backend, package: pkg, skipped };
        chosen = choice;
        logger?.info({ backend, package: pkg, skipped }, `tfjs backend: ${backend} (${pkg})`);
        return choice;
      }
      skipped.push(why);
      logger?.warn({ package: pkg, reason: why }, `tfjs backend ${pkg} not usable; falling back`);
    }
    throw new Error(
      `initBackend: no tfjs backend could be loaded for '${want}': ${skipped.join('; ')}`,
    );
  };
  pending = run();
  try {
    return await pending;
  } finally {
    pending = undefined;
  }
}
