/**
 * What the importer derives from the compiled model: the physics step for a control rate, the home
 * pose, and the `reach` workspace box (sampled forward kinematics around home).
 */
import { Random } from '../util/index.js';
import type { MjModel, MujocoModule } from '../../sim/index.js';

/** MuJoCo's usual physics step for arms, s (Menagerie and the built-in models use 0.002–0.004). */
export const NOMINAL_TIMESTEP = 0.002;

export interface StepTiming {
  /** Physics step, s: exactly 1 / (controlRateHz × frameSkip). */
  readonly timestep: number;
  /** Physics steps per control period (the controller's zero-order hold). */
  readonly frameSkip: number;
}

/** The frame skip nearest NOMINAL_TIMESTEP, and the timestep that makes the rate exact. */
export function stepTiming(controlRateHz: number): StepTiming {
  if (!(controlRateHz > 0) || !Number.isFinite(controlRateHz)) {
    throw new Error(
      `robot import: --control-rate must be a positive number of Hz, got ${controlRateHz}`,
    );
  }
  const frameSkip = Math.max(1, Math.round(1 / (controlRateHz * NOMINAL_TIMESTEP)));
  return { timestep: 1 / (controlRateHz * frameSkip), frameSkip };
}

export interface JointInfo {
  readonly name: string;
  /** [lower, upper], or undefined for an unlimited (continuous) joint. */
  readonly range: readonly [number, number] | undefined;
  readonly qposAdr: number;
}

/** Joint ranges and qpos addresses of `names` in a compiled model. */
export function jointInfo(mj: MujocoModule, model: MjModel, names: readonly string[]): JointInfo[] {
  const limited = model.jnt_limited as Uint8Array;
  const range = model.jnt_range as Float64Array;
  const qposAdr = model.jnt_qposadr as Int32Array;
  return names.map((name) => {
    const id = mj.mj_name2id(model, mj.mjtObj.mjOBJ_JOINT.value, name);
    if (id < 0) throw new Error(`robot import: joint '${name}' missing from the compiled model`);
    return {
      name,
      range: limited[id] === 1 ? [range[2 * id] ?? 0, range[2 * id + 1] ?? 0] : undefined,
      qposAdr: qposAdr[id] ?? 0,
    };
  });
}

/**
 * The home pose: `given` checked against the ranges; else 0 for each joint whose range holds it,
 * the mid-range otherwise (Franka's joint 4 lives in [-3.07, -0.07]).
 * @throws Error naming the joint for a wrong count or a value outside its range.
 */
export function homePose(
  joints: readonly JointInfo[],
  given: readonly number[] | undefined,
): number[] {
  if (given !== undefined) {
    if (given.length !== joints.length) {
      throw new Error(
        `robot import: --home has ${given.length} values, the robot has ${joints.length} joints (${joints.map((j) => j.name).join(', ')})`,
      );
    }
    given.forEach((q, i) => {
      const r = joints[i]?.range;
      if (r !== undefined && (q < r[0] || q > r[1])) {
        throw new Error(
          `robot import: --home value ${q} for joint '${joints[i]?.name}' is outside its range [${r[0]}, ${r[1]}]`,
        );
      }
    });
    return [...given];
  }
  return joints.map(({ range }) =>
    range === undefined || (range[0] <= 0 && range[1] >= 0) ? 0 : (range[0] + range[1]) / 2,
  );
}

export interface Workspace {
  readonly low: readonly [number, number, number];
  readonly high: readonly [number, number, number];
  /** The end effector at home (world = base frame), m. */
  readonly homeEe: readonly [number, number, number];
}

export interface WorkspaceOptions {
  /** Half-width of the uniform joint perturbation around home, rad (or m). */
  readonly spread?: number;
  readonly samples?: number;
  /** Percentiles of the sampled end-effector positions that bound the box. */
  readonly percentile?: number;
  readonly seed?: number;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * The reach box: the end effector sampled by forward kinematics (mj_kinematics) at joint positions
 * uniform within ±spread of home (clipped to the ranges); the box spans the [p, 100 − p]
 * percentiles per axis, so targets in it are reached by small moves from home, not at the edge of
 * the reachable set. Millimetre-rounded.
 */
export function sampleWorkspace(
  mj: MujocoModule,
  model: MjModel,
  joints: readonly JointInfo[],
  home: readonly number[],
  eeSite: string,
  options: WorkspaceOptions = {},
): Workspace {
  const { spread = 0.5, samples = 1000, percentile = 20, seed = 0 } = options;
  const site = mj.mj_name2id(model, mj.mjtObj.mjOBJ_SITE.value, eeSite);
  if (site < 0) throw new Error(`robot import: site '${eeSite}' missing from the compiled model`);
  const data = new mj.MjData(model);
  const random = new Random(seed);
  const xs: number[][] = [[], [], []];
  let homeEe: [number, number, number] = [0, 0, 0];
  try {
    for (let s = 0; s <= samples; s++) {
      const qpos = data.qpos as Float64Array;
      joints.forEach((joint, i) => {
        let q = (home[i] ?? 0) + (s === 0 ? 0 : random.uniformRange(-spread, spread));
        if (joint.range !== undefined) q = Math.min(joint.range[1], Math.max(joint.range[0], q));
        qpos[joint.qposAdr] = q;
      });
      mj.mj_kinematics(model, data);
      const x = data.site_xpos as Float64Array;
      const p: [number, number, number] = [
        x[3 * site] ?? 0,
        x[3 * site + 1] ?? 0,
        x[3 * site + 2] ?? 0,
      ];
      if (s === 0) homeEe = p;
      else p.forEach((v, axis) => xs[axis]?.push(v));
    }
  } finally {
    data.delete();
  }
  const quantile = (values: number[], q: number): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] ?? 0;
  };
  const low = xs.map((v) => round(quantile(v, percentile / 100))) as [number, number, number];
  const high = xs.map((v) => round(quantile(v, 1 - percentile / 100))) as [number, number, number];
  return { low, high, homeEe: homeEe.map(round) as [number, number, number] };
}

/** Below this joint speed (rad/s or m/s) damping alone would use the whole effort limit. */
const DAMPING_SPEED_WARNING = 2;

/**
 * Warnings for joints whose damping eats the effort budget: damping·v reaches the effort limit at
 * v = effort / damping. Menagerie tunes damping with its servos (200 N·m·s/rad on its UR5e), which
 * hides the arm's own dynamics from a torque policy.
 */
export function dampingWarnings(
  mj: MujocoModule,
  model: MjModel,
  names: readonly string[],
  efforts: readonly number[],
): string[] {
  const damping = model.dof_damping as Float64Array;
  const dofAdr = model.jnt_dofadr as Int32Array;
  const out: string[] = [];
  names.forEach((name, i) => {
    const id = mj.mj_name2id(model, mj.mjtObj.mjOBJ_JOINT.value, name);
    const b = damping[dofAdr[id] ?? 0] ?? 0;
    const effort = efforts[i] ?? 0;
    if (b > 0 && effort / b < DAMPING_SPEED_WARNING) {
      out.push(
        `joint '${name}' damping ${b}: at ${(effort / b).toFixed(2)} rad/s it alone takes the whole ±${effort} effort limit; ` +
          "servo-tuned damping hides the arm's dynamics: lower it with --damping unless the arm's driver adds it",
      );
    }
  });
  return out;
}
