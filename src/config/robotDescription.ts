/**
 * The robot description (`robot.yaml` in a robot folder): what the ROS node and the simulator must
 * agree on about a robot. A robot is a folder holding the MJCF and this file; the built-in robots
 * live in `models/robots/<name>/`, a user's in any directory. The observation is not stored here:
 * it follows from the robot and the task (sim/tasks/).
 *
 * ```yaml
 * name: arm7                       # [A-Za-z0-9_-]+
 * model: model.xml                 # MJCF relative to this file: one torque <motor> per joint
 * controlRateHz: 50                # policy/command rate = 1 / (MJCF timestep × frameSkip)
 * frameSkip: 5                     # physics steps per control period (zero-order hold)
 * jointNames: [joint1, ..., joint7]   # command order of the effort controller = MJCF motor order
 * torqueLimits: [87, ..., 12]      # |effort| per joint, N·m (N prismatic) = ctrlrange × gear
 * actuatorGear: [1, ..., 1]        # effort = gear × action (optional, default 1)
 * endEffectorSite: ee              # MJCF site of the end effector
 * home: [0, -0.785, ...]           # rad (m prismatic), one per joint
 * gravity: policy                  # policy | robot (the driver compensates; gravcomp="1" on every body)
 * topics: { jointStates: /joint_states, commands: /effort_controller/commands }
 * workspace: { low: [x, y, z], high: [x, y, z] }   # optional reach box in the base frame, m
 * description: robot.urdf          # optional URDF the robot came from
 * source: { kind: urdf, path: ..., command: ... }  # optional provenance (robot import)
 * ```
 *
 * `loadRobotDescription` rejects an invalid file with an error naming the file, the dotted key and
 * the offending value; `resolveRobotPath` turns `--robot <dir|name>` into the file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const topicName = z
  .string()
  .regex(/^\/[A-Za-z_][A-Za-z0-9_/]*$/, 'a ROS 2 topic name starting with "/"');

const finite = z.number().finite();
const vec3 = z.tuple([finite, finite, finite]);

/** A box in the robot's base (world) frame, m. */
export const workspaceSchema = z
  .strictObject({ low: vec3, high: vec3 })
  .refine((w) => w.low.every((lo, k) => lo <= (w.high[k] ?? NaN)), {
    message: 'expected low ≤ high on every axis',
  });

export const robotDescriptionSchema = z
  .strictObject({
    /** Robot name (checkpoints and logs carry it). */
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a name of [A-Za-z0-9_-]'),
    /** MJCF file, relative to the description. */
    model: z.string().min(1).default('model.xml'),
    /** Control (command) rate, Hz; must equal 1 / (MJCF timestep × frameSkip). */
    controlRateHz: z.number().positive().max(10000),
    /** Physics steps per control period. */
    frameSkip: z.number().int().positive(),
    /** Commanded joints, in the order of the command array (= MJCF actuator order). */
    jointNames: z.array(z.string().min(1)).min(1),
    /** Effort limit per commanded joint (N·m, or N for prismatic joints). */
    torqueLimits: z.array(z.number().positive().finite()).min(1),
    /** Actuator gear per commanded joint: effort = gear × action. Default: all 1. */
    actuatorGear: z.array(z.number().positive().finite()).optional(),
    /** MJCF site of the end effector (forward kinematics). */
    endEffectorSite: z.string().min(1),
    /** Home pose, one entry per commanded joint (rad, or m for prismatic joints). */
    home: z.array(finite).min(1),
    /** Who holds the arm up: the policy, or the robot's driver (gravcomp on every MJCF body). */
    gravity: z.enum(['policy', 'robot']).default('policy'),
    topics: z.strictObject({
      /** sensor_msgs/msg/JointState input. */
      jointStates: topicName.default('/joint_states'),
      /** std_msgs/msg/Float64MultiArray output of a ros2_control effort controller. */
      commands: topicName.regex(/\/commands$/, 'a topic ending in "/commands"'),
    }),
    /** Default reach workspace (a task file may give its own). */
    workspace: workspaceSchema.optional(),
    /** The URDF the robot came from, relative to this file (published as /robot_description). */
    description: z.string().min(1).optional(),
    /** Provenance, written by `torquepilot robot import`. */
    source: z
      .strictObject({
        kind: z.enum(['urdf', 'xacro', 'mjcf', 'topic']),
        path: z.string().min(1),
        command: z.string().optional(),
      })
      .optional(),
  })
  .superRefine((d, ctx) => {
    const n = d.jointNames.length;
    const perJoint = (key: 'torqueLimits' | 'actuatorGear' | 'home', what: string): void => {
      const values = d[key];
      if (values !== undefined && values.length !== n) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `expected one ${what} per joint (${n}), got ${values.length}`,
        });
      }
    };
    perJoint('torqueLimits', 'limit');
    perJoint('actuatorGear', 'gear');
    perJoint('home', 'position');
    const seen = new Set<string>();
    d.jointNames.forEach((name, i) => {
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['jointNames', i], message: 'duplicate joint name' });
      }
      seen.add(name);
    });
  });

export type RobotDescription = z.infer<typeof robotDescriptionSchema> & {
  /** Absolute path of the file it was loaded from. */
  readonly sourcePath: string;
};

/** The value at a dotted path inside parsed input (for error messages). */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** zod issues as `key '<dotted.path>' = <value>: <reason>` lines. */
export function describeIssues(raw: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(root)';
    let reason = issue.message;
    if (issue.code === 'unrecognized_keys') reason = `unknown key(s) ${issue.keys.join(', ')}`;
    return `key '${key}' = ${show(valueAt(raw, issue.path))}: ${reason}`;
  });
}

/**
 * Validate an already parsed description. `source` names the file in errors.
 * @throws Error: `robot description <source>: key '<dotted.path>' = <value>: <reason>` (one line
 *   per problem).
 */
export function parseRobotDescription(raw: unknown, source: string): RobotDescription {
  const result = robotDescriptionSchema.safeParse(raw);
  if (!result.success) {
    const lines = describeIssues(raw, result.error.issues);
    throw new Error(`robot description ${source}: invalid:\n  ${lines.join('\n  ')}`);
  }
  return { ...result.data, sourcePath: source };
}

/**
 * Read and validate a robot.yaml.
 * @throws Error naming the file for a missing/unreadable file or bad YAML, and the key and value for
 *   a schema violation.
 */
export function loadRobotDescription(path: string): RobotDescription {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(
      `robot description ${path}: cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`robot description ${path}: invalid YAML: ${(err as Error).message}`);
  }
  return parseRobotDescription(raw, path);
}

/** The MJCF of a description: `model`, relative to the description's folder. */
export function robotModelPath(d: RobotDescription): string {
  return resolve(dirname(d.sourcePath), d.model);
}

/** Names of the built-in robots: the folders of `<modelsDir>/robots/` holding a robot.yaml. */
export function builtinRobotNames(modelsDir: string): string[] {
  const root = join(modelsDir, 'robots');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'robot.yaml')))
    .sort();
}

/**
 * The robot.yaml that `--robot <ref>` means: `ref` itself when it is a file, `<ref>/robot.yaml`
 * when it is a directory holding one, else the built-in `<modelsDir>/robots/<ref>/robot.yaml`.
 * @throws Error naming the value, the built-in robots and what a directory must hold.
 */
export function resolveRobotPath(ref: string, modelsDir: string): string {
  if (ref === '') throw new Error('robot: empty name or path');
  if (existsSync(ref)) {
    const stat = statSync(ref);
    if (stat.isFile()) return resolve(ref);
    if (stat.isDirectory()) {
      const file = join(ref, 'robot.yaml');
      if (existsSync(file)) return resolve(file);
      throw new Error(`robot '${ref}': the directory holds no robot.yaml`);
    }
  }
  const builtin = join(modelsDir, 'robots', ref, 'robot.yaml');
  if (/^[A-Za-z0-9_-]+$/.test(ref) && existsSync(builtin)) return builtin;
  throw new Error(
    `unknown robot '${ref}': not a robot folder (a directory with robot.yaml) nor a built-in robot; built-in robots: ${builtinRobotNames(modelsDir).join(', ')}`,
  );
}

/** Effort to command for an action: gear × action per joint (gear defaults to 1). */
export function actionToEffort(
  description: RobotDescription,
  action: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  for (let i = 0; i < description.jointNames.length; i++) {
    out[i] = (description.actuatorGear?.[i] ?? 1) * (action[i] ?? NaN);
  }
  return out;
}
