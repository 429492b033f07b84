/**
 * An MJCF in MuJoCo Menagerie style made torque-controlled.
 *
 * Menagerie's arms are driven by position servos (`<position>`, or `<general biastype="affine">`
 * with kp/kv), which hide the arm's real dynamics behind a stiff PD loop. A torque policy needs
 * the bare joints: each joint's actuator is replaced by a `<motor>` at ±its effort limit, taken from
 * the actuator's `forcerange` (× gear) or, without one, the joint's `actuatorfrcrange`. Everything
 * else (default classes, joint damping and friction, inertias, meshes) is kept as written; what was
 * replaced is reported. Keyframes are dropped (their ctrl no longer fits) after their `home` qpos is
 * read as the default home pose.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { MjModel, MujocoModule } from '../../sim/index.js';
import { dynamicsAttributes } from './jointDynamics.js';
import type { JointDynamics } from './jointDynamics.js';
import { MeshFiles, isSupportedMesh, meshFormat } from './meshes.js';
import {
  appendElement,
  attr,
  childElements,
  descendants,
  docOf,
  fmt,
  parseXml,
  rootElement,
} from './xml.js';
import type { Document, Element } from './xml.js';

/** mjtTrn / mjtJoint values (MuJoCo's mjmodel.h). */
const TRN_JOINT = 0;
const JOINT_FREE = 0;
const JOINT_BALL = 1;
const JOINT_HINGE = 3;

/** MJCF actuator elements (and their `<default>` entries). */
const ACTUATOR_TAGS = [
  'motor',
  'position',
  'velocity',
  'intvelocity',
  'damper',
  'cylinder',
  'muscle',
  'adhesion',
  'general',
];

/** An MJCF with its includes inlined and mesh files gathered under `meshes/`. */
export interface MjcfSource {
  readonly doc: Document;
  /** `meshes/<name>` → bytes. */
  readonly files: Map<string, Uint8Array>;
  readonly warnings: string[];
}

/** Replace each `<include file>` by the children of the included `<mujoco>`. */
function inlineIncludes(element: Element, dir: string, depth: number): void {
  if (depth > 16) throw new Error(`robot import: ${dir}: <include> nested more than 16 deep`);
  for (const include of descendants(element, 'include')) {
    const file = resolve(dir, attr(include, 'file') ?? '');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new Error(`robot import: <include file="${attr(include, 'file')}"> not found: ${file}`);
    }
    const included = rootElement(parseXml(text, file), 'mujoco', file);
    inlineIncludes(included, dirname(file), depth + 1);
    const parent = include.parentNode as Element;
    for (const child of childElements(included)) {
      parent.insertBefore(docOf(element).importNode(child, true), include);
    }
    parent.removeChild(include);
  }
}

/**
 * Read an MJCF file: includes inlined, every `<mesh file>` copied to `meshes/<unique name>` (STL and
 * OBJ only), textures dropped (the robot folder holds meshes only).
 */
export function readMjcf(path: string): MjcfSource {
  const file = resolve(path);
  const doc = parseXml(readFileSync(file, 'utf8'), file);
  const root = rootElement(doc, 'mujoco', file);
  inlineIncludes(root, dirname(file), 0);
  const warnings: string[] = [];
  const compilers = childElements(root, 'compiler');
  const compiler = compilers[0] ?? appendElement(root, 'compiler');
  const assetDir = attr(compiler, 'assetdir') ?? '';
  const meshDir = resolve(dirname(file), attr(compiler, 'meshdir') ?? assetDir);
  for (const c of compilers) {
    for (const key of ['meshdir', 'assetdir', 'texturedir']) c.removeAttribute(key);
  }
  compiler.setAttribute('meshdir', 'meshes');
  const meshes = new MeshFiles();
  for (const mesh of descendants(root, 'mesh')) {
    const ref = attr(mesh, 'file');
    if (ref === undefined) continue;
    const meshPath = resolve(meshDir, ref);
    const where = `<mesh name="${attr(mesh, 'name') ?? ''}" file="${ref}">`;
    if (!isSupportedMesh(ref)) {
      throw new Error(
        `robot import: ${where}: ${meshFormat(ref)} meshes are not supported (MuJoCo loads STL and OBJ)`,
      );
    }
    // MuJoCo names an unnamed mesh after its file; keep that name when the file is renamed.
    if (attr(mesh, 'name') === undefined) {
      mesh.setAttribute('name', basename(ref).replace(/\.[^.]+$/, ''));
    }
    if (!existsSync(meshPath)) {
      throw new Error(`robot import: mesh ${where} not found; searched:\n  ${meshPath}`);
    }
    mesh.setAttribute('file', meshes.add(meshPath));
  }
  for (const texture of descendants(root, 'texture')) {
    if (attr(texture, 'file') === undefined && attr(texture, 'fileright') === undefined) continue;
    warnings.push(
      `texture '${attr(texture, 'name') ?? '?'}' dropped (the robot folder holds meshes only)`,
    );
    for (const material of descendants(root, 'material')) {
      if (attr(material, 'texture') === attr(texture, 'name')) material.removeAttribute('texture');
    }
    texture.parentNode?.removeChild(texture);
  }
  return { doc, files: meshes.files, warnings };
}

export interface MjcfJoint {
  readonly name: string;
  readonly effort: number;
  readonly continuous: boolean;
}

export interface MjcfAnalysis {
  /** Hinge/slide joints in model (chain) order. */
  readonly joints: readonly MjcfJoint[];
  /** One line per replaced actuator. */
  readonly replaced: readonly string[];
  /** qpos of a keyframe named `home`, when there is one. */
  readonly keyframeHome: readonly number[] | undefined;
}

function describeActuator(element: Element | undefined): string {
  if (element === undefined) return 'actuator';
  const tag = element.tagName;
  const name = attr(element, 'name');
  const servo =
    tag === 'general' && attr(element, 'biastype') === 'affine' ? ' (position servo)' : '';
  const gains = ['kp', 'kv', 'gainprm', 'biasprm']
    .map((k) => (attr(element, k) === undefined ? '' : ` ${k}="${attr(element, k)}"`))
    .join('');
  return `<${tag}${name === undefined ? '' : ` name="${name}"`}${gains}>${servo}`;
}

/**
 * Read joints, effort limits and actuators from the MJCF compiled as written.
 * @throws Error for a floating base, a ball joint, an equality joint coupling, or a joint with no
 *   effort limit.
 */
export function analyzeMjcf(mj: MujocoModule, model: MjModel, doc: Document): MjcfAnalysis {
  const root = doc.documentElement as Element;
  const name = (type: 'joint' | 'body', id: number): string =>
    mj.mj_id2name(model, mj.mjtObj[type === 'joint' ? 'mjOBJ_JOINT' : 'mjOBJ_BODY'].value, id) ??
    '';
  const jntType = model.jnt_type as Int32Array;
  const jntBody = model.jnt_bodyid as Int32Array;
  for (let j = 0; j < model.njnt; j++) {
    const type = jntType[j] as number;
    if (type === JOINT_FREE) {
      throw new Error(
        `robot import: body '${name('body', jntBody[j] as number)}' has a free joint: a floating base is not supported (torquepilot drives fixed-base arms); remove the <freejoint>`,
      );
    }
    if (type === JOINT_BALL) {
      throw new Error(
        `robot import: joint '${name('joint', j)}' is a ball joint: only hinge and slide joints can carry one torque motor each`,
      );
    }
  }
  for (const equality of childElements(root, 'equality')) {
    const coupling = childElements(equality, 'joint')[0];
    if (coupling !== undefined) {
      throw new Error(
        `robot import: <equality><joint joint1="${attr(coupling, 'joint1') ?? ''}" joint2="${attr(coupling, 'joint2') ?? ''}"> couples two joints (like a URDF mimic joint): not supported; remove the gripper or the coupling`,
      );
    }
  }
  const actuatorElements = childElements(root, 'actuator').flatMap((a) =>
    childElements(a).filter((e) => e.tagName !== 'plugin'),
  );
  const trnType = model.actuator_trntype as Int32Array;
  const trnId = model.actuator_trnid as Int32Array;
  const gear = model.actuator_gear as Float64Array;
  const forceLimited = model.actuator_forcelimited as Uint8Array;
  const forceRange = model.actuator_forcerange as Float64Array;
  const ctrlLimited = model.actuator_ctrllimited as Uint8Array;
  const ctrlRange = model.actuator_ctrlrange as Float64Array;
  const biasType = model.actuator_biastype as Int32Array;
  const jntFrcLimited = model.jnt_actfrclimited as Uint8Array;
  const jntFrcRange = model.jnt_actfrcrange as Float64Array;
  const jntLimited = model.jnt_limited as Uint8Array;
  const joints: MjcfJoint[] = [];
  const replaced: string[] = [];
  for (let j = 0; j < model.njnt; j++) {
    const jointName = name('joint', j);
    if (jointName === '') {
      throw new Error(`robot import: joint ${j} has no name: every commanded joint needs a name`);
    }
    let effort: number | undefined;
    const mag = (lo: number, hi: number): number => Math.max(Math.abs(lo), Math.abs(hi));
    if (jntFrcLimited[j] === 1) effort = mag(jntFrcRange[2 * j] ?? 0, jntFrcRange[2 * j + 1] ?? 0);
    for (let a = 0; a < model.nu; a++) {
      if (trnType[a] !== TRN_JOINT || trnId[2 * a] !== j) continue;
      const g = Math.abs(gear[6 * a] ?? 1);
      let actuatorEffort: number | undefined;
      if (forceLimited[a] === 1)
        actuatorEffort = mag(forceRange[2 * a] ?? 0, forceRange[2 * a + 1] ?? 0) * g;
      else if (biasType[a] === 0 && ctrlLimited[a] === 1) {
        actuatorEffort = mag(ctrlRange[2 * a] ?? 0, ctrlRange[2 * a + 1] ?? 0) * g;
      }
      if (actuatorEffort !== undefined) effort = Math.min(effort ?? Infinity, actuatorEffort);
      replaced.push(
        `${describeActuator(actuatorElements[a])} on joint '${jointName}' → <motor> ±${actuatorEffort ?? effort ?? '?'}`,
      );
    }
    if (effort === undefined || !(effort > 0)) {
      throw new Error(
        `robot import: joint '${jointName}' has no effort limit: give its actuator a forcerange, or the joint an actuatorfrcrange (N·m, N for slide joints)`,
      );
    }
    joints.push({
      name: jointName,
      effort,
      continuous: jntType[j] === JOINT_HINGE && jntLimited[j] === 0,
    });
  }
  let keyframeHome: number[] | undefined;
  const keyQpos = model.key_qpos as Float64Array;
  for (let k = 0; k < model.nkey; k++) {
    const keyName = mj.mj_id2name(model, mj.mjtObj.mjOBJ_KEY.value, k);
    if (keyName === 'home')
      keyframeHome = Array.from(keyQpos.subarray(k * model.nq, (k + 1) * model.nq));
  }
  return { joints, replaced, keyframeHome };
}

export interface MjcfEditOptions {
  readonly joints: readonly MjcfJoint[];
  readonly timestep: number;
  readonly gravity: 'policy' | 'robot';
  readonly noCollision: boolean;
  readonly eeBody: string;
  readonly memory: string;
  readonly modelName: string;
  readonly comment: string;
  /** `--damping` / `--armature`, indexed as `joints`: written on each joint, over its class's. */
  readonly dynamics?: JointDynamics;
}

/** Replace the actuators by torque motors and set timestep, memory, gravity and the ee site. */
export function editMjcf(doc: Document, options: MjcfEditOptions): void {
  const root = doc.documentElement as Element;
  root.setAttribute('model', options.modelName);
  doc.insertBefore(doc.createComment(` ${options.comment} `), root);
  for (const section of [...childElements(root, 'actuator'), ...childElements(root, 'keyframe')]) {
    root.removeChild(section);
  }
  // Actuator defaults would apply to the new motors (a class's gear or forcerange): drop them too.
  for (const defaults of descendants(root, 'default')) {
    for (const element of childElements(defaults)) {
      if (ACTUATOR_TAGS.includes(element.tagName)) defaults.removeChild(element);
    }
  }
  for (const sensor of childElements(root, 'sensor')) {
    for (const s of childElements(sensor)) {
      if (attr(s, 'actuator') !== undefined) sensor.removeChild(s);
    }
  }
  const option = childElements(root, 'option')[0] ?? insertFirst(root, 'option');
  option.setAttribute('timestep', String(options.timestep));
  if (attr(option, 'integrator') === undefined) option.setAttribute('integrator', 'implicitfast');
  if (options.noCollision) {
    const flag = childElements(option, 'flag')[0] ?? appendElement(option, 'flag');
    flag.setAttribute('contact', 'disable');
  }
  const size = childElements(root, 'size')[0] ?? insertFirst(root, 'size');
  size.setAttribute('memory', options.memory);
  const bodies = descendants(root, 'body');
  if (options.gravity === 'robot') for (const body of bodies) body.setAttribute('gravcomp', '1');
  const eeBody = bodies.find((body) => attr(body, 'name') === options.eeBody);
  if (eeBody === undefined) throw new Error(`robot import: body '${options.eeBody}' not found`);
  for (const site of descendants(root, 'site')) {
    if (attr(site, 'name') === 'ee') site.parentNode?.removeChild(site);
  }
  appendElement(eeBody, 'site', { name: 'ee', pos: '0 0 0', size: '0.01', rgba: '1 0 0 1' });
  const dynamics = options.dynamics;
  if (dynamics !== undefined) {
    const index = new Map(options.joints.map((j, i) => [j.name, i]));
    for (const joint of descendants(root, 'joint')) {
      const i = index.get(attr(joint, 'name') ?? '');
      if (i === undefined) continue;
      for (const [key, value] of Object.entries(dynamicsAttributes(dynamics, i))) {
        joint.setAttribute(key, value);
      }
    }
  }
  const actuator = appendElement(root, 'actuator');
  for (const joint of options.joints) {
    appendElement(actuator, 'motor', {
      name: joint.name,
      joint: joint.name,
      gear: '1',
      ctrllimited: 'true',
      ctrlrange: fmt([-joint.effort, joint.effort]),
    });
  }
}

function insertFirst(root: Element, tag: string): Element {
  const element = docOf(root).createElement(tag);
  const compiler = childElements(root, 'compiler')[0];
  root.insertBefore(element, compiler?.nextSibling ?? root.firstChild);
  return element;
}
