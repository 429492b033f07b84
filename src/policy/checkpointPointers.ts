/**
 * Pointer files of a run's checkpoints/ folder: `latest.json` and `best.json` each name one
 * checkpoint directory beside them. They are rewritten atomically (writeFileAtomic), so "latest"
 * moves from one complete checkpoint to the next without ever renaming directories over each other.
 *
 *   runs/NAME/checkpoints/iter-000040/   a complete checkpoint (manifest.json + .bin files)
 *   runs/NAME/checkpoints/latest.json    {"checkpoint": "iter-000040", "iteration": 40, ...}
 *   runs/NAME/checkpoints/best.json      {"checkpoint": "iter-000030", "iteration": 30, ...}
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/index.js';

export const PointerSchema = z.strictObject({
  /** Checkpoint directory name, relative to the folder holding the pointer. */
  checkpoint: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a directory name'),
  iteration: z.number().int().nonnegative(),
  steps: z.number().int().nonnegative(),
  /** What "best" was judged by (e.g. evalReturn or meanReturn) and its value. */
  metric: z.string().optional(),
  score: z.number().nullable().optional(),
});
export type CheckpointPointer = z.infer<typeof PointerSchema>;

export type PointerName = 'latest' | 'best';

export function writePointer(
  checkpointsDir: string,
  name: PointerName,
  pointer: CheckpointPointer,
): void {
  writeFileAtomic(join(checkpointsDir, `${name}.json`), `${JSON.stringify(pointer)}\n`);
}

/** Read a pointer; undefined when it does not exist; throws naming the file when malformed. */
export function readPointer(
  checkpointsDir: string,
  name: PointerName,
): CheckpointPointer | undefined {
  const path = join(checkpointsDir, `${name}.json`);
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`readPointer: ${path}: not valid JSON: ${(err as Error).message}`);
  }
  const r = PointerSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(
      `readPointer: ${path}: field '${i?.path.join('.') ?? ''}': ${i?.message ?? 'invalid'}`,
    );
  }
  return r.data;
}

/**
 * Resolve a user-given path to a checkpoint directory: a directory with manifest.json is used as
 * is; a run directory (with checkpoints/) or a checkpoints folder is followed through its `which`
 * pointer, falling back to the other pointer when that one is absent.
 */
export function resolveCheckpointDir(path: string, which: PointerName = 'best'): string {
  if (existsSync(join(path, 'manifest.json'))) return path;
  const folder = existsSync(join(path, 'checkpoints')) ? join(path, 'checkpoints') : path;
  const order: PointerName[] = which === 'best' ? ['best', 'latest'] : ['latest', 'best'];
  for (const name of order) {
    const p = readPointer(folder, name);
    if (p) return join(folder, p.checkpoint);
  }
  if (!existsSync(path)) throw new Error(`resolveCheckpointDir: ${path} does not exist`);
  throw new Error(
    `resolveCheckpointDir: ${path} is neither a checkpoint (no manifest.json) nor a run directory with checkpoints/${which}.json`,
  );
}
