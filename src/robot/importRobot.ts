/**
 * `importRobot`: a URDF, xacro or MJCF (or URDF text read from /robot_description) becomes a robot
 * folder: a torque-controlled MJCF, its meshes, and robot.yaml. Each step's checks name the thing
 * that fails (a joint, a link, a mesh URI and the places searched, MuJoCo's own message).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { MjModel } from '../../sim/index.js';
import { chooseEndEffector } from './chain.js';
import type { EndEffectorChoice, TreeNode } from './chain.js';
import { compileMjcf } from './compile.js';
import type { CompiledModel } from './compile.js';
import {
  compiledDamping,
  dampingOverrides,
  DEFAULT_URDF_ARMATURE,
  defaultUrdfDamping,
  resolveJointDynamics,
} from './jointDynamics.js';
import type { JointDynamicsFlags } from './jointDynamics.js';
import { MeshFiles, isSupportedMesh, meshFormat, resolveMeshUri } from './meshes.js';
import type { PackageSearch } from './meshes.js';
import { analyzeMjcf, editMjcf, readMjcf } from './mjcfImport.js';
import type { MjcfAnalysis } from './mjcfImport.js';
import { checkReplaceable, robotYamlText, writeRobotFolder } from './robotFolder.js';
import { movingJoints, parseUrdf } from './urdf.js';
import type { UrdfRobot } from './urdf.js';
import { urdfToMjcf } from './urdfToMjcf.js';
import { dampingWarnings, homePose, jointInfo, sampleWorkspace, stepTiming } from './workspace.js';
import type { Workspace } from './workspace.js';
import { expandXacro, isXacroPath } from './xacro.js';
import type { XacroEngine } from './xacro.js';
import { indentXml, parseXml, serializeXml } from './xml.js';

export interface RobotImportOptions {
  readonly input:
    | { kind: 'file'; path: string; xacroArgs?: Record<string, string> }
    | { kind: 'urdfText'; text: string; origin: string; sourceKind?: 'topic' | 'urdf' };
  readonly outDir: string;
  readonly name?: string;
  readonly eeLink?: string;
  readonly packagePaths?: readonly string[];
  readonly noCollision?: boolean;
  readonly gravity?: 'policy' | 'robot';
  readonly controlRateHz?: number;
  readonly home?: readonly number[];
  /** Joint damping, N·m·s/rad (N·s/m): one for all joints or one per joint; replaces the
   * description's. */
  readonly damping?: readonly number[];
  /** Joint armature (reflected rotor inertia), kg·m² (kg): one for all joints or one per joint. */
  readonly armature?: readonly number[];
  /** The command line that made the folder (robot.yaml `source.command`). */
  readonly command?: string;
  /** Which xacro implementation (default: `xacro` on PATH, else xacro-parser). */
  readonly xacroEngine?: XacroEngine;
}

export interface RobotImportReport {
  readonly outDir: string;
  readonly name: string;
  readonly sourceKind: 'urdf' | 'xacro' | 'mjcf' | 'topic';
  readonly jointNames: readonly string[];
  readonly torqueLimits: readonly number[];
  /** Position range per joint; undefined for continuous joints. */
  readonly ranges: readonly (readonly [number, number] | undefined)[];
  readonly endEffector: EndEffectorChoice;
  readonly home: readonly number[];
  readonly workspace: Workspace;
  readonly controlRateHz: number;
  readonly timestep: number;
  readonly frameSkip: number;
  readonly gravity: 'policy' | 'robot';
  /** Mesh files copied into meshes/. */
  readonly meshCount: number;
  /** Things the user should know and may want to fix (skipped meshes, dropped textures). */
  readonly warnings: readonly string[];
  /** Facts worth saying (continuous joints, replaced actuators, xacro engine). */
  readonly notices: readonly string[];
  readonly seconds: number;
}

/** `<size memory>`: the built-in arms use 256 KiB without contacts; contacts need more arena. */
const MEMORY_FREE_SPACE = '256K';
const MEMORY_WITH_CONTACTS = '4M';

interface Converted {
  readonly kind: RobotImportReport['sourceKind'];
  readonly sourcePath: string;
  readonly modelName: string;
  readonly compiled: CompiledModel;
  readonly modelXml: string;
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly urdf: string | undefined;
  readonly jointNames: readonly string[];
  readonly torqueLimits: readonly number[];
  readonly endEffector: EndEffectorChoice;
  readonly keyframeHome: readonly number[] | undefined;
  readonly warnings: readonly string[];
  readonly notices: readonly string[];
}

interface Settings {
  readonly search: PackageSearch;
  readonly noCollision: boolean;
  readonly gravity: 'policy' | 'robot';
  readonly timestep: number;
  readonly eeLink: string | undefined;
  readonly comment: string;
  readonly dynamics: JointDynamicsFlags;
}

/** Link names in parent-before-child order, for chooseEndEffector. */
function urdfTree(robot: UrdfRobot): TreeNode[] {
  const index = new Map<string, number>([[robot.root, 0]]);
  const nodes: TreeNode[] = [{ name: robot.root, parent: -1, moving: false }];
  for (const joint of robot.joints) {
    index.set(joint.child, nodes.length);
    nodes.push({
      name: joint.child,
      parent: index.get(joint.parent) ?? -1,
      moving: joint.type !== 'fixed',
    });
  }
  return nodes;
}

async function convertUrdf(
  text: string,
  origin: string,
  kind: Converted['kind'],
  settings: Settings,
  notices: string[],
): Promise<Converted> {
  const robot = parseUrdf(text, origin);
  const warnings: string[] = [];
  const meshFiles = new Map<string, string>();
  const meshes = new MeshFiles();
  for (const link of robot.links.values()) {
    for (const geom of link.geoms) {
      const g = geom.geometry;
      if (g.type !== 'mesh') continue;
      if (settings.noCollision) continue; // no geometry at all: nothing to find or copy
      const where = `link '${link.name}' <${geom.role}>`;
      if (!isSupportedMesh(g.uri)) {
        const format = meshFormat(g.uri) || '(no extension)';
        if (geom.role === 'visual') {
          warnings.push(
            `${where}: visual mesh '${g.uri}' skipped: MuJoCo cannot load ${format} (STL and OBJ only)`,
          );
          continue;
        }
        throw new Error(
          `robot import: ${where}: collision mesh '${g.uri}' is ${format}, which MuJoCo cannot load (STL and OBJ only); ` +
            'convert it to STL, or import with --no-collision for free-space tasks',
        );
      }
      if (meshFiles.has(g.uri)) continue;
      meshFiles.set(g.uri, meshes.add(resolveMeshUri(g.uri, settings.search, where)));
    }
  }
  const endEffector = chooseEndEffector(urdfTree(robot), settings.eeLink, 'link');
  const moving = movingJoints(robot);
  const jointNames = moving.map((j) => j.name);
  // A URDF has no rotor inertia and rarely a real damping: the importer's defaults fill them in
  // (jointDynamics.ts says why and where the values come from); the flags replace them.
  const flags = settings.dynamics;
  const defaultDamping = flags.damping === undefined ? defaultUrdfDamping(moving) : undefined;
  const dynamics = resolveJointDynamics(
    {
      damping: flags.damping ?? defaultDamping?.damping,
      armature: flags.armature ?? [DEFAULT_URDF_ARMATURE],
    },
    jointNames,
  );
  if (flags.armature === undefined && jointNames.length > 0) {
    notices.push(
      `armature ${DEFAULT_URDF_ARMATURE} kg·m² on every joint (a URDF has no rotor inertia; MuJoCo Menagerie's UR5e and Panda value): give your arm's with --armature, or --armature 0 for none`,
    );
  }
  if (defaultDamping?.notice !== undefined) notices.push(defaultDamping.notice);
  if (flags.damping !== undefined) {
    warnings.push(
      ...dampingOverrides(
        dynamics,
        jointNames,
        moving.map((j) => j.damping),
      ),
    );
  }
  const hasContacts =
    !settings.noCollision &&
    [...robot.links.values()].some((l) => l.geoms.some((g) => g.role === 'collision'));
  const modelXml = urdfToMjcf(robot, {
    modelName: robot.name,
    timestep: settings.timestep,
    gravity: settings.gravity,
    noCollision: settings.noCollision,
    meshFiles,
    eeLink: endEffector.name,
    memory: hasContacts ? MEMORY_WITH_CONTACTS : MEMORY_FREE_SPACE,
    comment: settings.comment,
    dynamics,
  });
  const files = meshes.files;
  const compiled = await compileMjcf(
    modelXml,
    files,
    `the MJCF converted from ${origin} (line numbers are of that MJCF)`,
  );
  notices.push(...robot.notices);
  return {
    kind,
    sourcePath: origin,
    modelName: robot.name,
    compiled,
    modelXml,
    files,
    urdf: text,
    jointNames,
    torqueLimits: moving.map((j) => j.effort ?? 0),
    endEffector,
    keyframeHome: undefined,
    warnings,
    notices,
  };
}

/** Body tree of a compiled model (world excluded: it cannot be the end effector). */
function bodyTree(compiled: CompiledModel): TreeNode[] {
  const { mj, model } = compiled;
  const parent = model.body_parentid as Int32Array;
  const jntnum = model.body_jntnum as Int32Array;
  const nodes: TreeNode[] = [];
  for (let b = 1; b < model.nbody; b++) {
    nodes.push({
      name: mj.mj_id2name(model, mj.mjtObj.mjOBJ_BODY.value, b) ?? '',
      parent: (parent[b] ?? 0) - 1,
      moving: (jntnum[b] ?? 0) > 0,
    });
  }
  return nodes;
}

async function convertMjcf(
  path: string,
  settings: Settings,
  notices: string[],
): Promise<Converted> {
  const source = readMjcf(path);
  const asWritten = await compileMjcf(serializeXml(source.doc), source.files, path);
  let analysis: MjcfAnalysis;
  let endEffector: EndEffectorChoice;
  let described: number[];
  try {
    analysis = analyzeMjcf(asWritten.mj, asWritten.model, source.doc);
    endEffector = chooseEndEffector(bodyTree(asWritten), settings.eeLink, 'body');
    described = compiledDamping(
      asWritten.mj,
      asWritten.model,
      analysis.joints.map((j) => j.name),
    );
  } finally {
    asWritten.model.delete();
  }
  const jointNames = analysis.joints.map((j) => j.name);
  const dynamics = resolveJointDynamics(settings.dynamics, jointNames);
  const modelName = (source.doc.documentElement?.getAttribute('model') ?? '') || basename(path);
  editMjcf(source.doc, {
    joints: analysis.joints,
    timestep: settings.timestep,
    gravity: settings.gravity,
    noCollision: settings.noCollision,
    eeBody: endEffector.name,
    memory: settings.noCollision ? MEMORY_FREE_SPACE : MEMORY_WITH_CONTACTS,
    modelName,
    comment: settings.comment,
    dynamics,
  });
  const root = source.doc.documentElement;
  if (root !== null) indentXml(root);
  const modelXml = `${serializeXml(source.doc)}\n`;
  const compiled = await compileMjcf(
    modelXml,
    source.files,
    `the torque-controlled MJCF made from ${path}`,
  );
  notices.push(
    ...analysis.replaced.map((line) => `replaced ${line}`),
    ...analysis.joints
      .filter((j) => j.continuous)
      .map((j) => `joint '${j.name}' is continuous: no position limit`),
  );
  return {
    kind: 'mjcf',
    sourcePath: path,
    modelName,
    compiled,
    modelXml,
    files: source.files,
    urdf: undefined,
    jointNames,
    torqueLimits: analysis.joints.map((j) => j.effort),
    endEffector,
    keyframeHome: analysis.keyframeHome,
    warnings: [...source.warnings, ...dampingOverrides(dynamics, jointNames, described)],
    notices,
  };
}

/** `name` reduced to the robot-folder name alphabet [A-Za-z0-9_-]. */
function folderName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return clean === '' ? 'robot' : clean;
}

/**
 * Import a robot description and write its robot folder atomically at `options.outDir`.
 * @throws Error naming what cannot be imported (see docs/robot-import.md for each message).
 */
export async function importRobot(options: RobotImportOptions): Promise<RobotImportReport> {
  const started = performance.now();
  checkReplaceable(resolve(options.outDir));
  const controlRateHz = options.controlRateHz ?? 50;
  const { timestep, frameSkip } = stepTiming(controlRateHz);
  const gravity = options.gravity ?? 'policy';
  const input = options.input;
  const baseDir = input.kind === 'file' ? dirname(resolve(input.path)) : undefined;
  const settings: Settings = {
    search: { packagePaths: options.packagePaths ?? [], baseDir },
    noCollision: options.noCollision ?? false,
    gravity,
    timestep,
    eeLink: options.eeLink,
    dynamics: { damping: options.damping, armature: options.armature },
    comment: `Written by torquepilot robot import from ${input.kind === 'file' ? resolve(input.path) : input.origin}. Torque motors at ±effort limit; edit with care.`,
  };
  const notices: string[] = [];
  let converted: Converted;
  if (input.kind === 'urdfText') {
    converted = await convertUrdf(
      input.text,
      input.origin,
      input.sourceKind ?? 'topic',
      settings,
      notices,
    );
  } else {
    const path = resolve(input.path);
    if (isXacroPath(path)) {
      const expanded = await expandXacro(
        path,
        input.xacroArgs ?? {},
        settings.search,
        options.xacroEngine,
      );
      notices.push(`xacro expanded with ${expanded.engine}`);
      converted = await convertUrdf(expanded.urdf, path, 'xacro', settings, notices);
    } else {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw new Error(
          `robot import: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        );
      }
      const root = parseXml(text, path).documentElement?.tagName;
      if (root === 'robot') converted = await convertUrdf(text, path, 'urdf', settings, notices);
      else if (root === 'mujoco') converted = await convertMjcf(path, settings, notices);
      else {
        throw new Error(
          `robot import: ${path}: root element <${root ?? 'none'}> is neither <robot> (URDF) nor <mujoco> (MJCF)`,
        );
      }
    }
  }
  const { mj, model } = converted.compiled;
  const warnings = [...converted.warnings];
  let home: number[];
  let workspace: Workspace;
  let ranges: (readonly [number, number] | undefined)[];
  try {
    const joints = jointInfo(mj, model, converted.jointNames);
    ranges = joints.map((j) => j.range);
    const keyHome = keyframeHome(
      converted,
      joints.map((j) => j.qposAdr),
    );
    home = homePose(joints, options.home ?? keyHome);
    workspace = sampleWorkspace(mj, model, joints, home, 'ee');
    warnings.push(...dampingWarnings(mj, model, converted.jointNames, converted.torqueLimits));
  } finally {
    (model as MjModel).delete();
  }
  const name = folderName(options.name ?? converted.modelName);
  const robotYaml = robotYamlText({
    name,
    controlRateHz,
    frameSkip,
    timestep,
    jointNames: converted.jointNames,
    torqueLimits: converted.torqueLimits,
    home,
    gravity,
    workspace,
    description: converted.urdf === undefined ? undefined : 'robot.urdf',
    source: {
      kind: converted.kind,
      path: converted.sourcePath,
      command:
        options.command ??
        [
          `torquepilot robot import ${converted.sourcePath} --out ${options.outDir}`,
          ...(options.damping === undefined ? [] : [`--damping ${options.damping.join(',')}`]),
          ...(options.armature === undefined ? [] : [`--armature ${options.armature.join(',')}`]),
        ].join(' '),
    },
  });
  const outDir = writeRobotFolder(options.outDir, {
    modelXml: converted.modelXml,
    robotYaml,
    urdf: converted.urdf,
    files: converted.files,
  });
  return {
    outDir,
    name,
    sourceKind: converted.kind,
    jointNames: converted.jointNames,
    torqueLimits: converted.torqueLimits,
    ranges,
    endEffector: converted.endEffector,
    home,
    workspace,
    controlRateHz,
    timestep,
    frameSkip,
    gravity,
    meshCount: converted.files.size,
    warnings,
    notices: converted.notices,
    seconds: (performance.now() - started) / 1000,
  };
}

/** An MJCF keyframe `home`, reduced to the commanded joints. */
function keyframeHome(converted: Converted, qposAdr: readonly number[]): number[] | undefined {
  const key = converted.keyframeHome;
  if (key === undefined) return undefined;
  return qposAdr.map((adr) => key[adr] ?? 0);
}
