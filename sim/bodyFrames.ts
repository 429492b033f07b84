/**
 * A MuJoCo model's body tree as ROS tf frames: one transform per body (world excluded), from its
 * parent body's frame to its own, computed from the world poses MuJoCo keeps in MjData (xpos,
 * xquat). This is what robot_state_publisher publishes from a URDF and joint states; here the
 * simulation is the source, so every body (fixed links, a free target) gets its frame.
 *
 * Frames are the body names (an imported URDF keeps its link names, so RViz's RobotModel display
 * of the same /robot_description finds them); MuJoCo's body 0 is `world`. An unnamed body gets
 * `body<id>` (a tf frame must have a name).
 */
import type { MjModel, MujocoModule } from './mujoco.js';
import { idToName } from './mujoco.js';

/** Floats per transform in `BodyFrames.relativePoses`: translation (3), then quaternion w, x, y, z. */
export const POSE_STRIDE = 7;

export class BodyFrames {
  /** Child frame of each transform: bodies 1..nbody-1, in body id order. */
  readonly frames: readonly string[];
  /** Parent frame of each transform (the parent body's name). */
  readonly parents: readonly string[];
  /** Parent body id of each transform. */
  readonly #parentIds: Int32Array;

  constructor(mj: MujocoModule, model: MjModel) {
    const names: string[] = [];
    for (let b = 0; b < model.nbody; b++) {
      names.push(idToName(mj, model, 'body', b) || (b === 0 ? 'world' : `body${b}`));
    }
    const parentIds = Int32Array.from(model.body_parentid as ArrayLike<number>);
    this.frames = names.slice(1);
    this.parents = names.slice(1).map((_, i) => names[parentIds[i + 1] as number] as string);
    this.#parentIds = parentIds;
  }

  /** Number of transforms (nbody − 1). */
  get count(): number {
    return this.frames.length;
  }

  /**
   * Each body's pose in its parent's frame from world poses: with parent p and child c,
   * t = R_pᵀ (x_c − x_p) and q = q̄_p ⊗ q_c (Hamilton product, unit quaternions, w first as MuJoCo
   * stores them).
   * @param xpos World body positions, MjData.xpos. Shape: (nbody, 3), row-major.
   * @param xquat World body orientations, MjData.xquat (w, x, y, z). Shape: (nbody, 4).
   * @param out Shape: (count, POSE_STRIDE): tx, ty, tz, qw, qx, qy, qz per transform.
   */
  relativePoses(xpos: ArrayLike<number>, xquat: ArrayLike<number>, out: Float64Array): void {
    const n = this.count;
    if (out.length < n * POSE_STRIDE) {
      throw new Error(
        `sim/BodyFrames.relativePoses: out has ${out.length} entries, expected ${n * POSE_STRIDE}`,
      );
    }
    for (let i = 0; i < n; i++) {
      const c = i + 1;
      const p = this.#parentIds[c] as number;
      // Parent orientation, conjugated: (w, -x, -y, -z).
      const pw = xquat[4 * p] as number;
      const px = -(xquat[4 * p + 1] as number);
      const py = -(xquat[4 * p + 2] as number);
      const pz = -(xquat[4 * p + 3] as number);
      const dx = (xpos[3 * c] as number) - (xpos[3 * p] as number);
      const dy = (xpos[3 * c + 1] as number) - (xpos[3 * p + 1] as number);
      const dz = (xpos[3 * c + 2] as number) - (xpos[3 * p + 2] as number);
      const o = i * POSE_STRIDE;
      rotate(pw, px, py, pz, dx, dy, dz, out, o);
      const cw = xquat[4 * c] as number;
      const cx = xquat[4 * c + 1] as number;
      const cy = xquat[4 * c + 2] as number;
      const cz = xquat[4 * c + 3] as number;
      out[o + 3] = pw * cw - px * cx - py * cy - pz * cz;
      out[o + 4] = pw * cx + px * cw + py * cz - pz * cy;
      out[o + 5] = pw * cy - px * cz + py * cw + pz * cx;
      out[o + 6] = pw * cz + px * cy - py * cx + pz * cw;
    }
  }
}

/** v' = q v q̄ for a unit quaternion q = (w, x, y, z), written to out[o..o+2]. */
function rotate(
  w: number,
  x: number,
  y: number,
  z: number,
  vx: number,
  vy: number,
  vz: number,
  out: Float64Array,
  o: number,
): void {
  // v' = v + 2w (u × v) + 2 u × (u × v), u = (x, y, z).
  const tx = 2 * (y * vz - z * vy);
  const ty = 2 * (z * vx - x * vz);
  const tz = 2 * (x * vy - y * vx);
  out[o] = vx + w * tx + (y * tz - z * ty);
  out[o + 1] = vy + w * ty + (z * tx - x * tz);
  out[o + 2] = vz + w * tz + (x * ty - y * tx);
}
