/**
 * `--damping` and `--armature` of `robot import`: joint dynamics a URDF lacks or under-states.
 *
 * A URDF has no rotor inertia, and its `<dynamics damping>` is often zero. MuJoCo's `armature` is
 * the reflected rotor inertia added to the joint's diagonal of the mass matrix (kg·m², rotor
 * inertia × gear ratio²); MuJoCo Menagerie's arms set it, and the built-in arm7 model uses damping
 * 5 / armature 0.1 on its big joints. Without them a torque-controlled light distal link is stiff
 * to integrate and hard to learn on (docs/robot-import.md quotes the measured effect).
 */
import type { MjModel, MujocoModule } from '../../sim/index.js';

/** Per-joint values written on each commanded joint (undefined: keep the description's). */
export interface JointDynamics {
  readonly damping: readonly number[] | undefined;
  readonly armature: readonly number[] | undefined;
}

/** The flags as given: one value for every joint, or one per moving joint in chain order. */
export interface JointDynamicsFlags {
  readonly damping?: readonly number[] | undefined;
  readonly armature?: readonly number[] | undefined;
}

function expand(
  flag: '--damping' | '--armature',
  values: readonly number[] | undefined,
  jointNames: readonly string[],
): number[] | undefined {
  if (values === undefined) return undefined;
  const given = values.join(',');
  for (const v of values) {
    if (!Number.isFinite(v) || v < 0) {
      throw new Error(`robot import: ${flag} ${given}: ${v} is not a finite number ≥ 0`);
    }
  }
  if (values.length === 1) return jointNames.map(() => values[0] ?? 0);
  if (values.length !== jointNames.length) {
    throw new Error(
      `robot import: ${flag} ${given}: ${values.length} values for ${jointNames.length} moving joints ` +
        `(${jointNames.join(', ')}): give one value for every joint, or one per joint in this order`,
    );
  }
  return [...values];
}

/**
 * Check the flags against the commanded joints and expand a single value to all of them.
 * @throws Error naming the flag, its value and the joints when a value is negative or non-finite,
 *   or the count is neither 1 nor the number of moving joints.
 */
export function resolveJointDynamics(
  flags: JointDynamicsFlags,
  jointNames: readonly string[],
): JointDynamics {
  return {
    damping: expand('--damping', flags.damping, jointNames),
    armature: expand('--armature', flags.armature, jointNames),
  };
}

/** MJCF joint attributes for joint `index` (empty when neither flag was given). */
export function dynamicsAttributes(dynamics: JointDynamics, index: number): Record<string, string> {
  const attributes: Record<string, string> = {};
  const damping = dynamics.damping?.[index];
  const armature = dynamics.armature?.[index];
  if (damping !== undefined) attributes['damping'] = String(damping);
  if (armature !== undefined) attributes['armature'] = String(armature);
  return attributes;
}

/** Warnings for joints whose description damping `--damping` replaces with a different value. */
export function dampingOverrides(
  dynamics: JointDynamics,
  jointNames: readonly string[],
  described: readonly number[],
): string[] {
  const damping = dynamics.damping;
  if (damping === undefined) return [];
  return jointNames.flatMap((name, i) => {
    const was = described[i] ?? 0;
    const now = damping[i] ?? 0;
    return was !== 0 && was !== now
      ? [`joint '${name}': --damping ${now} replaces the description's damping ${was}`]
      : [];
  });
}

/** Each joint's compiled damping (an MJCF's, defaults classes applied), for dampingOverrides. */
export function compiledDamping(
  mj: MujocoModule,
  model: MjModel,
  jointNames: readonly string[],
): number[] {
  const damping = model.dof_damping as Float64Array;
  const dofAdr = model.jnt_dofadr as Int32Array;
  return jointNames.map((name) => {
    const id = mj.mj_name2id(model, mj.mjtObj.mjOBJ_JOINT.value, name);
    return id < 0 ? 0 : (damping[dofAdr[id] ?? 0] ?? 0);
  });
}
