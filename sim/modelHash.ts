/**
 * A fingerprint of a compiled MuJoCo model, carried by checkpoints so a policy is never deployed on a
 * robot other than the one it trained on: sha256 over the arrays that fix the dynamics and the
 * kinematics (tree, body frames and inertias, joints, dofs, actuators, sites, geoms) plus the
 * timestep and gravity. Each array enters as `<name>:<length>;` followed by its raw little-endian
 * bytes, in the fixed order of MODEL_HASH_ARRAYS. Derived from the compiled arrays, not the XML
 * text, so it does not depend on file paths, comments, attribute order or defaults classes; the same
 * MJCF always gives the same hash, and changing a mass, a limit or a link length changes it.
 */
import { createHash } from 'node:crypto';
import type { MjModel } from './mujoco.js';

/** The MjModel arrays the hash covers, in hashing order. */
export const MODEL_HASH_ARRAYS = Object.freeze([
  'body_parentid',
  'body_pos',
  'body_quat',
  'body_ipos',
  'body_iquat',
  'body_mass',
  'body_inertia',
  'body_gravcomp',
  'jnt_type',
  'jnt_bodyid',
  'jnt_pos',
  'jnt_axis',
  'jnt_limited',
  'jnt_range',
  'dof_damping',
  'dof_frictionloss',
  'dof_armature',
  'actuator_trntype',
  'actuator_trnid',
  'actuator_gear',
  'actuator_ctrllimited',
  'actuator_ctrlrange',
  'site_bodyid',
  'site_pos',
  'site_quat',
  'geom_bodyid',
  'geom_type',
  'geom_size',
  'geom_pos',
  'geom_quat',
] as const);

type Typed = Float64Array | Float32Array | Int32Array | Uint8Array;

/** sha256 (64 hex digits) of the compiled model; see the file comment for what it covers. */
export function modelHash(model: MjModel): string {
  const hash = createHash('sha256');
  const record = model as unknown as Record<string, unknown>;
  for (const name of MODEL_HASH_ARRAYS) {
    const values = record[name] as Typed | undefined;
    if (values === undefined || values === null) {
      throw new Error(`sim/modelHash: MjModel has no array '${name}'`);
    }
    hash.update(`${name}:${values.length};`);
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  const opt = model.opt;
  try {
    const gravity = opt.gravity as Float64Array;
    hash.update(`timestep:${opt.timestep};gravity:${Array.from(gravity).join(',')};`);
  } finally {
    opt.delete();
  }
  return hash.digest('hex');
}
