/**
 * Joint dynamics a URDF lacks or under-states: the importer's defaults for a URDF, and the
 * `--damping` / `--armature` flags of `robot import` that replace them.
 *
 * A URDF has no rotor inertia, and its `<dynamics damping>` is often zero. MuJoCo's `armature` is
 * the reflected rotor inertia added to the joint's diagonal of the mass matrix (kg·m², rotor
 * inertia × gear ratio²); MuJoCo Menagerie's arms set it, and the built-in arm7 model uses damping
 * 5 / armature 0.1 on its big joints. Without them a torque-controlled light distal link is stiff
 * to integrate and reach did not learn on the imported test arms in arm7's budget; with the
 * defaults below it does (docs/robot-import.md quotes the measured effect).
 */
import type { MjModel, MujocoModule } from '../../sim/index.js';

/**
 * Armature (kg·m²) written on every joint of a URDF when `--armature` is not given: a URDF cannot
 * describe rotor inertia, yet every geared arm has it (rotor inertia × gear ratio²). 0.1 is the
 * value MuJoCo Menagerie sets on every arm joint of both of its models of the arm types the tests
 * import: universal_robots_ur5e/ur5e.xml (`<default class="size3">` and `"size1"`: `<joint
 * armature="0.1" …>`) and franka_emika_panda/panda.xml (`<default class="panda">`: `<joint
 * armature="0.1" damping="1" …>`). It also keeps a light wrist link integrable at the control rate:
 * without it the UR-type arm's last joint has 7e-4 kg·m², on which 12 N·m of exploration noise is
 * 1.7e4 rad/s². An MJCF keeps its own armature.
 */
export const DEFAULT_URDF_ARMATURE = 0.1;

/**
 * The importer's default viscous damping of a URDF joint takes this fraction of the joint's effort
 * limit at its velocity limit: b = 0.2 × effort / velocity, both from the URDF's `<limit>`, so a
 * heavy shoulder and a light wrist get damping in proportion to their drives, and the policy keeps
 * 80 % of the effort at top speed (servo-tuned damping such as Menagerie's 200 N·m·s/rad on its
 * UR5e would take it all below 0.75 rad/s). On the Panda's limits (87 N·m at 2.175 rad/s, 12 N·m at
 * 2.61 rad/s) it gives 8 and 0.92 N·m·s/rad, the order of the built-in arm7's 5 and 1; on the UR5e's
 * (150 / 28 N·m, 3.14 rad/s) 9.55 and 1.78. A URDF's `<dynamics damping>` is usually 0 or a
 * simulator placeholder (the tests' UR-type arm: 0.1), so it is kept only when larger.
 */
export const DEFAULT_DAMPING_FRACTION = 0.2;

/** What defaultUrdfDamping needs of a moving URDF joint. */
export interface DampedJoint {
  readonly name: string;
  readonly effort: number | undefined;
  readonly velocity: number | undefined;
  readonly damping: number;
}

/**
 * Each joint's default damping: max(its URDF damping, DEFAULT_DAMPING_FRACTION × effort /
 * velocity), to 3 significant digits; its URDF damping when the URDF gives no velocity limit.
 * @returns the values, and a notice naming the joints raised (and any without a velocity limit).
 */
export function defaultUrdfDamping(joints: readonly DampedJoint[]): {
  damping: number[];
  notice: string | undefined;
} {
  const raised: string[] = [];
  const noVelocity: string[] = [];
  const damping = joints.map((j) => {
    if (j.velocity === undefined || j.effort === undefined) {
      noVelocity.push(j.name);
      return j.damping;
    }
    const b = Number(((DEFAULT_DAMPING_FRACTION * j.effort) / j.velocity).toPrecision(3));
    if (!(b > j.damping)) return j.damping;
    raised.push(`${j.name} ${b}`);
    return b;
  });
  const parts = [
    ...(raised.length > 0
      ? [
          `damping ${DEFAULT_DAMPING_FRACTION} × effort / velocity limit (N·m·s/rad; N·s/m for a slide), where the URDF's is lower: ${raised.join(', ')}`,
        ]
      : []),
    ...(noVelocity.length > 0
      ? [`no velocity limit, URDF damping kept: ${noVelocity.join(', ')}`]
      : []),
  ];
  return {
    damping,
    notice:
      parts.length === 0
        ? undefined
        : `${parts.join('; ')} (the importer's default: give your arm's with --damping, or --damping 0 for none)`,
  };
}

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
