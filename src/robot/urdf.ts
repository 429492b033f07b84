/**
 * A URDF read into a typed kinematic tree (links, joints, inertials, geometry), with the checks that
 * decide whether it can become a torque-controlled arm: every moving joint has an effort limit, no
 * mimic joints (a mimic is driven by another joint, so it has no motor of its own), no floating or
 * planar joint (a floating base), one tree. Continuous joints are allowed and reported.
 *
 * Conventions (ROS REP 103, urdf/XML spec): a joint's `<origin xyz rpy>` places the child link frame
 * in the parent link frame as T = Trans(xyz) · Rz(yaw) Ry(pitch) Rx(roll); `<axis>` is in the child
 * (joint) frame; `<inertial><origin>` places the centre of mass and the principal frame of
 * `<inertia>` in the link frame.
 */
import { attr, childElements, firstChild, number, numbers, parseXml, rootElement } from './xml.js';
import type { Element } from './xml.js';

export interface Pose {
  readonly xyz: readonly [number, number, number];
  readonly rpy: readonly [number, number, number];
}

export type Geometry =
  | { readonly type: 'box'; readonly size: readonly [number, number, number] }
  | { readonly type: 'cylinder'; readonly radius: number; readonly length: number }
  | { readonly type: 'sphere'; readonly radius: number }
  | {
      readonly type: 'mesh';
      readonly uri: string;
      readonly scale: readonly [number, number, number];
    };

export interface UrdfGeom {
  readonly role: 'collision' | 'visual';
  readonly origin: Pose;
  readonly geometry: Geometry;
}

export interface UrdfInertial {
  readonly origin: Pose;
  readonly mass: number;
  /** ixx, iyy, izz, ixy, ixz, iyz (kg·m²), in the inertial origin's frame. */
  readonly inertia: readonly [number, number, number, number, number, number];
}

export interface UrdfLink {
  readonly name: string;
  readonly inertial: UrdfInertial | undefined;
  readonly geoms: readonly UrdfGeom[];
}

export type JointType = 'revolute' | 'continuous' | 'prismatic' | 'fixed';

export interface UrdfJoint {
  readonly name: string;
  readonly type: JointType;
  readonly parent: string;
  readonly child: string;
  readonly origin: Pose;
  readonly axis: readonly [number, number, number];
  /** Position limits (rad or m); undefined for continuous and fixed joints. */
  readonly range: readonly [number, number] | undefined;
  /** |effort| limit (N·m or N); undefined for fixed joints. */
  readonly effort: number | undefined;
  /** |velocity| limit (rad/s or m/s) when given and > 0; undefined otherwise. */
  readonly velocity: number | undefined;
  readonly damping: number;
  readonly friction: number;
}

export interface UrdfRobot {
  readonly name: string;
  /** The root link (the one that is no joint's child). */
  readonly root: string;
  readonly links: ReadonlyMap<string, UrdfLink>;
  /** Joints in depth-first order from the root (children in document order). */
  readonly joints: readonly UrdfJoint[];
  /** Notices for the report (continuous joints). */
  readonly notices: readonly string[];
}

const ZERO_POSE: Pose = { xyz: [0, 0, 0], rpy: [0, 0, 0] };

function readPose(parent: Element, where: string): Pose {
  const origin = firstChild(parent, 'origin');
  if (origin === undefined) return ZERO_POSE;
  const xyz = numbers(origin, 'xyz', 3, [0, 0, 0], where);
  const rpy = numbers(origin, 'rpy', 3, [0, 0, 0], where);
  return { xyz: xyz as [number, number, number], rpy: rpy as [number, number, number] };
}

function readGeometry(parent: Element, where: string): Geometry | undefined {
  const geometry = firstChild(parent, 'geometry');
  const shape = geometry === undefined ? undefined : childElements(geometry)[0];
  if (shape === undefined) return undefined;
  const need = (name: string): number => {
    const value = number(shape, name, where);
    if (value === undefined) {
      throw new Error(`robot import: ${where}: <${shape.tagName}> has no '${name}'`);
    }
    return value;
  };
  switch (shape.tagName) {
    case 'box':
      return {
        type: 'box',
        size: numbers(shape, 'size', 3, [], where) as [number, number, number],
      };
    case 'cylinder':
      return { type: 'cylinder', radius: need('radius'), length: need('length') };
    case 'sphere':
      return { type: 'sphere', radius: need('radius') };
    case 'mesh': {
      const uri = attr(shape, 'filename');
      if (uri === undefined) throw new Error(`robot import: ${where}: <mesh> has no filename`);
      const scale = numbers(shape, 'scale', 3, [1, 1, 1], where) as [number, number, number];
      return { type: 'mesh', uri, scale };
    }
    default:
      throw new Error(`robot import: ${where}: unsupported geometry <${shape.tagName}>`);
  }
}

function readLink(element: Element): UrdfLink {
  const name = attr(element, 'name') ?? '';
  const where = `link '${name}'`;
  let inertial: UrdfInertial | undefined;
  const inertialElement = firstChild(element, 'inertial');
  if (inertialElement !== undefined) {
    const massElement = firstChild(inertialElement, 'mass');
    const inertiaElement = firstChild(inertialElement, 'inertia');
    const mass = massElement === undefined ? 0 : (number(massElement, 'value', where) ?? 0);
    const get = (key: string): number =>
      inertiaElement === undefined ? 0 : (number(inertiaElement, key, where) ?? 0);
    inertial = {
      origin: readPose(inertialElement, `${where} <inertial>`),
      mass,
      inertia: [get('ixx'), get('iyy'), get('izz'), get('ixy'), get('ixz'), get('iyz')],
    };
  }
  const geoms: UrdfGeom[] = [];
  for (const role of ['collision', 'visual'] as const) {
    for (const geomElement of childElements(element, role)) {
      const geometry = readGeometry(geomElement, `${where} <${role}>`);
      if (geometry === undefined) continue;
      geoms.push({ role, origin: readPose(geomElement, `${where} <${role}>`), geometry });
    }
  }
  return { name, inertial, geoms };
}

function readJoint(element: Element, notices: string[]): UrdfJoint {
  const name = attr(element, 'name') ?? '';
  const type = attr(element, 'type') ?? '';
  const where = `joint '${name}'`;
  if (type === 'floating' || type === 'planar') {
    throw new Error(
      `robot import: ${where} is ${type}: a floating base is not supported (torquepilot drives fixed-base arms); ` +
        'describe the arm from its mounting link, or fix the base with a fixed joint',
    );
  }
  if (type !== 'revolute' && type !== 'continuous' && type !== 'prismatic' && type !== 'fixed') {
    throw new Error(`robot import: ${where}: unknown joint type '${type}'`);
  }
  const parent = attr(firstChild(element, 'parent') ?? element, 'link');
  const child = attr(firstChild(element, 'child') ?? element, 'link');
  if (parent === undefined || child === undefined) {
    throw new Error(`robot import: ${where}: needs <parent link> and <child link>`);
  }
  const mimic = firstChild(element, 'mimic');
  if (mimic !== undefined && type !== 'fixed') {
    throw new Error(
      `robot import: ${where} mimics joint '${attr(mimic, 'joint') ?? '?'}': mimic joints are not supported ` +
        '(a mimic joint has no motor of its own); remove the gripper or make the joint fixed',
    );
  }
  const limit = firstChild(element, 'limit');
  let effort: number | undefined;
  let velocity: number | undefined;
  let range: [number, number] | undefined;
  if (type !== 'fixed') {
    effort = limit === undefined ? undefined : number(limit, 'effort', where);
    if (effort === undefined || !(effort > 0)) {
      throw new Error(
        `robot import: ${where} has no effort limit (<limit effort="..."/> ${effort === undefined ? 'missing' : `= ${effort}`}): ` +
          'a torque-controlled joint needs its |effort| limit in N·m (N for prismatic)',
      );
    }
    const v = limit === undefined ? undefined : number(limit, 'velocity', where);
    velocity = v !== undefined && v > 0 ? v : undefined;
    if (type === 'continuous') {
      notices.push(`joint '${name}' is continuous: no position limit`);
    } else if (limit !== undefined) {
      range = [number(limit, 'lower', where) ?? 0, number(limit, 'upper', where) ?? 0];
      if (!(range[0] < range[1])) {
        throw new Error(
          `robot import: ${where}: <limit lower="${range[0]}" upper="${range[1]}">: lower must be below upper (use type continuous for an unlimited joint)`,
        );
      }
    }
  }
  const axisElement = firstChild(element, 'axis');
  const axis = (
    axisElement === undefined ? [1, 0, 0] : numbers(axisElement, 'xyz', 3, [1, 0, 0], where)
  ) as [number, number, number];
  const dynamics = firstChild(element, 'dynamics');
  return {
    name,
    type,
    parent,
    child,
    origin: readPose(element, where),
    axis,
    range,
    effort,
    velocity,
    damping: dynamics === undefined ? 0 : (number(dynamics, 'damping', where) ?? 0),
    friction: dynamics === undefined ? 0 : (number(dynamics, 'friction', where) ?? 0),
  };
}

/**
 * Parse and check a URDF. `origin` names the input (a path or a topic) in errors.
 * @throws Error naming the joint or link for each unsupported construct.
 */
export function parseUrdf(text: string, origin: string): UrdfRobot {
  const robot = rootElement(parseXml(text, origin), 'robot', origin);
  const notices: string[] = [];
  const links = new Map<string, UrdfLink>();
  for (const element of childElements(robot, 'link')) {
    const link = readLink(element);
    if (links.has(link.name))
      throw new Error(`robot import: ${origin}: duplicate link '${link.name}'`);
    links.set(link.name, link);
  }
  const children = new Map<string, UrdfJoint[]>();
  const parentOf = new Map<string, UrdfJoint>();
  for (const element of childElements(robot, 'joint')) {
    const joint = readJoint(element, notices);
    for (const link of [joint.parent, joint.child]) {
      if (!links.has(link)) {
        throw new Error(`robot import: joint '${joint.name}' names unknown link '${link}'`);
      }
    }
    if (parentOf.has(joint.child)) {
      throw new Error(
        `robot import: link '${joint.child}' is the child of two joints ('${parentOf.get(joint.child)?.name}' and '${joint.name}'): a URDF must be a tree`,
      );
    }
    parentOf.set(joint.child, joint);
    children.set(joint.parent, [...(children.get(joint.parent) ?? []), joint]);
  }
  const roots = [...links.keys()].filter((name) => !parentOf.has(name));
  if (roots.length !== 1) {
    throw new Error(
      `robot import: ${origin}: expected one root link, found ${roots.length === 0 ? 'none (a cycle)' : roots.map((r) => `'${r}'`).join(', ')}`,
    );
  }
  const root = roots[0] as string;
  const joints: UrdfJoint[] = [];
  const visit = (link: string): void => {
    for (const joint of children.get(link) ?? []) {
      joints.push(joint);
      visit(joint.child);
    }
  };
  visit(root);
  if (joints.length !== parentOf.size) {
    throw new Error(`robot import: ${origin}: the joints do not form one tree (a cycle?)`);
  }
  return { name: attr(robot, 'name') ?? 'robot', root, links, joints, notices };
}

/** The moving (non-fixed) joints, in depth-first chain order. */
export function movingJoints(robot: UrdfRobot): UrdfJoint[] {
  return robot.joints.filter((joint) => joint.type !== 'fixed');
}
