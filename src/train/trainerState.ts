/**
 * The trainer state saved in every checkpoint (trainer-state.json) so that `train --resume`
 * continues exactly as an uninterrupted run would: counters, every random stream, the optimiser
 * moments, the rollout cursor (current observations and running episode sums) and each
 * environment's full state. JSON numbers round-trip doubles exactly (shortest round-trip printing),
 * so nothing is lost in the text form.
 */
import { z } from 'zod';
import type { EnvState } from '../../sim/index.js';
import type { AdamState } from '../learn/index.js';
import type { RolloutCursorState } from '../learn/index.js';
import type { RandomState } from '../util/index.js';

export const TRAINER_STATE_VERSION = 1;

export interface BestRecord {
  /** Which metric "best" is judged by: 'evalReturn' or 'episodeReturnMean'. */
  readonly metric: string;
  readonly score: number | null;
  readonly iteration: number;
}

export interface TrainerState {
  readonly version: number;
  readonly iteration: number;
  readonly steps: number;
  /** Training seconds so far (excluding evaluation and checkpoint writes). */
  readonly wallTime: number;
  /** Action-noise stream of rollout collection. */
  readonly sampleRng: RandomState;
  /** Minibatch-shuffling stream of the update rule. */
  readonly updateRng: RandomState;
  readonly valueOptimizer: AdamState;
  readonly policyOptimizer?: AdamState;
  readonly cursor: RolloutCursorState;
  readonly envStates: readonly EnvState[];
  readonly best: BestRecord;
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const randomState = z.object({
  s: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  spareNormal: z.number().nullable(),
});
const adamState = z.object({ step: z.number().int(), m: z.array(finite), v: z.array(finite) });

export const TrainerStateSchema = z.object({
  version: z.literal(TRAINER_STATE_VERSION),
  iteration: z.number().int().nonnegative(),
  steps: z.number().int().nonnegative(),
  wallTime: z.number().nonnegative(),
  sampleRng: randomState,
  updateRng: randomState,
  valueOptimizer: adamState,
  policyOptimizer: adamState.optional(),
  cursor: z.object({
    obs: z.array(finite),
    episodeReturn: z.array(finite),
    episodeLength: z.array(finite),
  }),
  envStates: z.array(z.unknown()),
  best: z.object({ metric: z.string(), score: z.number().nullable(), iteration: z.number().int() }),
});

/** Validate the trainer state of a checkpoint; errors name the checkpoint and the field. */
export function parseTrainerState(value: unknown, source: string): TrainerState {
  const r = TrainerStateSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(
      `train --resume: ${source}: trainer-state field '${i?.path.join('.') ?? ''}': ${i?.message ?? 'invalid'}`,
    );
  }
  return r.data as unknown as TrainerState;
}
