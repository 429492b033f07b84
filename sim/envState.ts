/**
 * The snapshot format of one MujocoEnv (EnvState): which MjData arrays it carries, and the checks a
 * snapshot passes before it is written back into MjData. A checkpoint that resumes exactly restores
 * through here, so a snapshot of another task or a corrupt file fails with the field it lacks.
 */
import type { RandomState } from '../src/util/index.js';
import type { MjData } from './mujoco.js';
import type { EnvState } from './types.js';

/** Names of the MjData arrays an EnvState carries, in restore order. */
export const PHYSICS_KEYS = ['qpos', 'qvel', 'act', 'ctrl', 'qacc_warmstart'] as const;

/** Copy of the MjData arrays a snapshot carries (PHYSICS_KEYS), as plain arrays for JSON. */
export function readPhysics(data: MjData): Record<string, number[]> {
  const physics: Record<string, number[]> = {};
  for (const key of PHYSICS_KEYS) physics[key] = Array.from(data[key] as Float64Array);
  return physics;
}

/**
 * Write a snapshot's MjData arrays back (PHYSICS_KEYS).
 * @throws Error naming the array whose length differs from the model's (another model's snapshot).
 */
export function writePhysics(data: MjData, state: EnvState, where: string): void {
  for (const key of PHYSICS_KEYS) {
    const source = state.physics[key];
    const view = data[key] as Float64Array;
    if (source === undefined || source.length !== view.length) {
      throw new Error(
        `${where}: physics.${key} has ${source?.length ?? 'no'} entries, expected ${view.length}`,
      );
    }
    view.set(source);
  }
}

/** The task part of a snapshot, checked: target (3), applied torque (actionSize), step count. */
export interface TaskSnapshot {
  readonly target: readonly number[];
  readonly applied: readonly number[];
  readonly stepCount: number;
  readonly rng: RandomState;
}

/**
 * Check the task part of a snapshot. `applied` defaults to zeros (snapshots written before the
 * environment kept its last torque).
 * @throws Error naming the field and its value.
 */
export function checkTaskSnapshot(
  state: EnvState,
  actionSize: number,
  where: string,
): TaskSnapshot {
  const target = state.task['target'];
  if (target === undefined || target.length !== 3) {
    throw new Error(`${where}: task.target has ${target?.length ?? 'no'} entries, expected 3`);
  }
  const applied = state.task['applied'] ?? new Array<number>(actionSize).fill(0);
  if (applied.length !== actionSize) {
    throw new Error(`${where}: task.applied has ${applied.length} entries, expected ${actionSize}`);
  }
  if (!Number.isInteger(state.stepCount) || state.stepCount < 0) {
    throw new Error(`${where}: stepCount = ${state.stepCount}, expected a non-negative integer`);
  }
  return { target, applied, stepCount: state.stepCount, rng: checkRandomState(state.rng, where) };
}

/** A snapshot's RNG state (src/util Random), checked before Random.fromState trusts it. */
export function checkRandomState(value: unknown, where: string): RandomState {
  const v = value as Partial<RandomState> | null;
  if (
    v === null ||
    typeof v !== 'object' ||
    !Array.isArray(v.s) ||
    v.s.length !== 4 ||
    !v.s.every((x) => Number.isInteger(x)) ||
    !(v.spareNormal === null || typeof v.spareNormal === 'number')
  ) {
    throw new Error(
      `${where}: rng = ${JSON.stringify(value)}, expected { s: [4 uint32], spareNormal }`,
    );
  }
  return v as RandomState;
}
