/**
 * A checked URDF tree (urdf.ts) written as a torque-controlled MJCF.
 *
 * What MuJoCo's own URDF import does not do, and this does (mujoco-js 0.0.7 / MuJoCo 3.3.8):
 * - one `<motor>` per moving joint at ±effort limit (MuJoCo's URDF import creates no actuators);
 * - fixed links kept as bodies (MuJoCo fuses them unless `fusestatic="false"`), so tool0 exists;
 * - mesh files copied into `meshes/` under unique names (MuJoCo drops package:// directories);
 * - visual geoms kept as non-colliding group-2 geoms (MuJoCo's import discards them), except with
 *   `noCollision`, which leaves all geometry out.
 *
 * Frames map one to one: a link is a body placed by its parent joint's `<origin>` (pos + euler with
 * eulerseq "xyz", which is URDF's fixed-axis roll-pitch-yaw, R = Rz(y) Ry(p) Rx(r)); a moving joint
 * sits at the body origin with its `<axis>`; `<inertial>` keeps its origin and full inertia tensor.
 * Masses come only from `<inertial>` (`inertiafromgeom="false"`), as URDF defines them.
 */
import { DOMImplementation } from '@xmldom/xmldom';
import type { UrdfGeom, UrdfJoint, UrdfLink, UrdfRobot } from './urdf.js';
import { dynamicsAttributes } from './jointDynamics.js';
import type { JointDynamics } from './jointDynamics.js';
import { movingJoints } from './urdf.js';
import { appendElement, fmt, indentXml, serializeXml } from './xml.js';
import type { Element } from './xml.js';

export interface MjcfWriteOptions {
  /** `<mujoco model>`. */
  readonly modelName: string;
  /** Physics step, s (`<option timestep>`). */
  readonly timestep: number;
  /** `robot`: gravcomp="1" on every body (the driver compensates gravity). */
  readonly gravity: 'policy' | 'robot';
  /** No geometry at all (free-space tasks: nothing to collide, nothing to load; RViz and Foxglove
   * draw robot.urdf). */
  readonly noCollision: boolean;
  /** Mesh URI → file name inside `meshes/`, for every mesh to keep; others are skipped. */
  readonly meshFiles: ReadonlyMap<string, string>;
  /** The link that carries the `ee` site. */
  readonly eeLink: string;
  /** `<size memory>` (MuJoCo arena per MjData). */
  readonly memory: string;
  /** A comment written at the top of the file (provenance). */
  readonly comment: string;
  /** `--damping` / `--armature`, indexed as movingJoints(robot) (undefined: the URDF's damping). */
  readonly dynamics?: JointDynamics;
}

/** The MJCF text for `robot`. */
export function urdfToMjcf(robot: UrdfRobot, options: MjcfWriteOptions): string {
  const doc = new DOMImplementation().createDocument(null, 'mujoco', null);
  const mujoco = doc.documentElement as Element;
  mujoco.setAttribute('model', options.modelName);
  doc.insertBefore(doc.createComment(` ${options.comment} `), mujoco);
  appendElement(mujoco, 'compiler', {
    angle: 'radian',
    eulerseq: 'xyz',
    meshdir: 'meshes',
    autolimits: 'true',
    inertiafromgeom: 'false',
    balanceinertia: 'true',
  });
  const option = appendElement(mujoco, 'option', {
    timestep: String(options.timestep),
    integrator: 'implicitfast',
  });
  if (!hasCollisionGeoms(robot, options)) appendElement(option, 'flag', { contact: 'disable' });
  appendElement(mujoco, 'size', { memory: options.memory });
  const defaults = appendElement(mujoco, 'default');
  appendElement(appendElement(defaults, 'default', { class: 'visual' }), 'geom', {
    group: '2',
    contype: '0',
    conaffinity: '0',
    rgba: '0.8 0.8 0.8 1',
  });
  appendElement(appendElement(defaults, 'default', { class: 'collision' }), 'geom', {
    group: '3',
    rgba: '0.5 0.6 0.7 0.5',
  });
  const meshNames = writeMeshAssets(appendElement(mujoco, 'asset'), robot, options);

  const worldbody = appendElement(mujoco, 'worldbody');
  const movingIndex = new Map(movingJoints(robot).map((j, i) => [j.name, i]));
  const jointDynamics = (joint: UrdfJoint): Record<string, string> =>
    options.dynamics === undefined
      ? {}
      : dynamicsAttributes(options.dynamics, movingIndex.get(joint.name) ?? -1);
  const children = new Map<string, UrdfJoint[]>();
  for (const joint of robot.joints) {
    children.set(joint.parent, [...(children.get(joint.parent) ?? []), joint]);
  }
  const writeLink = (parent: Element, link: UrdfLink, joint: UrdfJoint | undefined): void => {
    // MuJoCo's world body is named "world": a URDF root link of that name is the world itself.
    const isWorld = joint === undefined && link.name === 'world';
    const body = isWorld ? parent : appendElement(parent, 'body', { name: link.name });
    if (!isWorld) {
      if (joint !== undefined) {
        body.setAttribute('pos', fmt(joint.origin.xyz));
        if (joint.origin.rpy.some((v) => v !== 0))
          body.setAttribute('euler', fmt(joint.origin.rpy));
      }
      if (options.gravity === 'robot') body.setAttribute('gravcomp', '1');
      writeInertial(body, link);
      if (joint !== undefined && joint.type !== 'fixed')
        writeJoint(body, joint, jointDynamics(joint));
    }
    for (const geom of link.geoms) writeGeom(body, geom, options, meshNames);
    if (link.name === options.eeLink) {
      appendElement(body, 'site', { name: 'ee', pos: '0 0 0', size: '0.01', rgba: '1 0 0 1' });
    }
    for (const childJoint of children.get(link.name) ?? []) {
      const child = robot.links.get(childJoint.child);
      if (child !== undefined) writeLink(body, child, childJoint);
    }
  };
  const root = robot.links.get(robot.root);
  if (root !== undefined) writeLink(worldbody, root, undefined);

  const actuator = appendElement(mujoco, 'actuator');
  for (const joint of movingJoints(robot)) {
    const effort = joint.effort ?? 0;
    appendElement(actuator, 'motor', {
      name: joint.name,
      joint: joint.name,
      gear: '1',
      ctrllimited: 'true',
      ctrlrange: fmt([-effort, effort]),
    });
  }
  indentXml(mujoco);
  return `${serializeXml(doc)}\n`;
}

/** Key of a (mesh URI, scale) pair: MJCF scales mesh assets, so each pair is one asset. */
function meshKey(uri: string, scale: readonly number[]): string {
  return `${uri}|${fmt(scale)}`;
}

/** One `<mesh>` asset per kept (URI, scale); returns key → asset name. */
function writeMeshAssets(
  asset: Element,
  robot: UrdfRobot,
  options: MjcfWriteOptions,
): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const link of robot.links.values()) {
    for (const geom of link.geoms) {
      const g = geom.geometry;
      if (g.type !== 'mesh' || options.noCollision) continue;
      const file = options.meshFiles.get(g.uri);
      const key = meshKey(g.uri, g.scale);
      if (file === undefined || names.has(key)) continue;
      const stem = file.replace(/\.[^.]+$/, '');
      let name = stem;
      for (let i = 1; used.has(name); i++) name = `${stem}_${i}`;
      used.add(name);
      names.set(key, name);
      const attributes: Record<string, string> = { name, file };
      if (g.scale.some((v) => v !== 1)) attributes['scale'] = fmt(g.scale);
      appendElement(asset, 'mesh', attributes);
    }
  }
  return names;
}

function hasCollisionGeoms(robot: UrdfRobot, options: MjcfWriteOptions): boolean {
  if (options.noCollision) return false;
  for (const link of robot.links.values()) {
    for (const geom of link.geoms) {
      if (geom.role !== 'collision') continue;
      if (geom.geometry.type !== 'mesh' || options.meshFiles.has(geom.geometry.uri)) return true;
    }
  }
  return false;
}

function writeInertial(body: Element, link: UrdfLink): void {
  const inertial = link.inertial;
  if (inertial === undefined || !(inertial.mass > 0)) return;
  const attributes: Record<string, string> = {
    pos: fmt(inertial.origin.xyz),
    mass: String(inertial.mass),
  };
  if (inertial.origin.rpy.some((v) => v !== 0)) attributes['euler'] = fmt(inertial.origin.rpy);
  const [ixx, iyy, izz, ixy, ixz, iyz] = inertial.inertia;
  if (ixy === 0 && ixz === 0 && iyz === 0) {
    // A point mass (all zero) gets a negligible inertia: MuJoCo requires a positive-definite one.
    const floor = (v: number): number => (v > 0 ? v : 1e-9);
    attributes['diaginertia'] = fmt([floor(ixx), floor(iyy), floor(izz)]);
  } else {
    attributes['fullinertia'] = fmt(inertial.inertia);
  }
  appendElement(body, 'inertial', attributes);
}

/** `dynamics`: flag values (damping, armature) that replace the URDF's. */
function writeJoint(body: Element, joint: UrdfJoint, dynamics: Record<string, string>): void {
  const effort = joint.effort ?? 0;
  const attributes: Record<string, string> = {
    name: joint.name,
    type: joint.type === 'prismatic' ? 'slide' : 'hinge',
    axis: fmt(joint.axis),
  };
  if (joint.range !== undefined) attributes['range'] = fmt(joint.range);
  else attributes['limited'] = 'false';
  if (joint.damping !== 0) attributes['damping'] = String(joint.damping);
  if (joint.friction !== 0) attributes['frictionloss'] = String(joint.friction);
  Object.assign(attributes, dynamics);
  attributes['actuatorfrcrange'] = fmt([-effort, effort]);
  appendElement(body, 'joint', attributes);
}

function writeGeom(
  body: Element,
  geom: UrdfGeom,
  options: MjcfWriteOptions,
  meshNames: ReadonlyMap<string, string>,
): void {
  if (options.noCollision) return;
  const attributes: Record<string, string> = { class: geom.role };
  const g = geom.geometry;
  switch (g.type) {
    case 'box':
      Object.assign(attributes, { type: 'box', size: fmt(g.size.map((v) => v / 2)) });
      break;
    case 'cylinder':
      Object.assign(attributes, { type: 'cylinder', size: fmt([g.radius, g.length / 2]) });
      break;
    case 'sphere':
      Object.assign(attributes, { type: 'sphere', size: fmt([g.radius]) });
      break;
    case 'mesh': {
      const mesh = meshNames.get(meshKey(g.uri, g.scale));
      if (mesh === undefined) return; // skipped (.dae visual); the importer reported it
      Object.assign(attributes, { type: 'mesh', mesh });
      break;
    }
  }
  if (geom.origin.xyz.some((v) => v !== 0)) attributes['pos'] = fmt(geom.origin.xyz);
  if (geom.origin.rpy.some((v) => v !== 0)) attributes['euler'] = fmt(geom.origin.rpy);
  appendElement(body, 'geom', attributes);
}
