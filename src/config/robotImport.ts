/**
 * Options of `torquepilot robot import` (src/robot/importRobot.ts), as Isaac Lab's URDF importer
 * keeps them: one validated object says how a description becomes a simulated robot, and the robot
 * folder records the command that made it.
 *
 * ```
 * torquepilot robot import <file> --out <dir> [--ee-link NAME] [--package-path DIR]...
 *   [--no-collision] [--gravity policy|robot] [--control-rate HZ] [--home q1,...] [--name NAME]
 *   [--damping D|d1,...] [--armature A|a1,...] [--topic /robot_description] [name:=value ...]
 * ```
 */
import { z } from 'zod';

const finiteNumber = z.number().finite();

/**
 * A `--damping`/`--armature` value as typed: one number ≥ 0 for every joint, or a comma list with
 * one per moving joint (the count is checked against the joints by the importer).
 */
function perJointList(flag: string) {
  return z
    .string()
    .transform((text, ctx) => {
      const words = text.split(',').map((w) => w.trim());
      const bad = words.filter((w) => w === '' || !Number.isFinite(Number(w)) || Number(w) < 0);
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `${flag} takes a number ≥ 0, or a comma list with one per moving joint; ${bad.map((w) => JSON.stringify(w)).join(', ')} is not a finite number ≥ 0`,
        });
        return z.NEVER;
      }
      return words.map(Number);
    })
    .optional();
}

export const RobotImportOptionsSchema = z
  .strictObject({
    /** A URDF, .xacro or MJCF file; omitted when `topic` is given. */
    file: z.string().min(1).optional(),
    /** Read the URDF from this latched topic (a robot_state_publisher's /robot_description). */
    topic: z
      .string()
      .regex(/^\/[A-Za-z_][A-Za-z0-9_/]*$/, 'a ROS 2 topic name starting with "/"')
      .optional(),
    /** The robot folder to write (replaced atomically when it exists). */
    out: z.string().min(1),
    /** Robot name ([A-Za-z0-9_-]); default: the description's name. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only')
      .optional(),
    /** The end-effector link (URDF) or body (MJCF); default: the tip of the single chain. */
    eeLink: z.string().min(1).optional(),
    /** Directories searched for package:// URIs and $(find pkg), before AMENT_PREFIX_PATH. */
    packagePath: z.array(z.string().min(1)).default([]),
    /** Leave collision geometry out (free-space tasks; faster steps). */
    noCollision: z.boolean().default(false),
    /** policy: the policy holds the arm up; robot: the driver compensates gravity (gravcomp). */
    gravity: z.enum(['policy', 'robot']).default('policy'),
    /** Policy/command rate, Hz: sets timestep × frameSkip (timestep near 0.002 s). */
    controlRate: finiteNumber.positive().max(10000).default(50),
    /** Home pose, one value per moving joint (rad, m for prismatic), in chain order. */
    home: z.array(finiteNumber).min(1).optional(),
    /** Joint damping (N·m·s/rad; N·s/m for slides), replacing the description's `damping`. */
    damping: perJointList('--damping'),
    /** Joint armature: reflected rotor inertia (kg·m²; kg for slides), which a URDF lacks. */
    armature: perJointList('--armature'),
    /** xacro arguments from trailing `name:=value`. */
    xacroArgs: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((o, ctx) => {
    if ((o.file === undefined) === (o.topic === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['file'],
        message: 'give exactly one input: a <file> or --topic /robot_description',
      });
    }
  });

export type RobotImportCliOptions = z.infer<typeof RobotImportOptionsSchema>;

/**
 * Validate raw import options (from the CLI).
 * @throws Error `robot import: option '<key>' = <value>: <reason>` (one line per problem).
 */
export function parseRobotImportOptions(raw: unknown): RobotImportCliOptions {
  const result = RobotImportOptionsSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(root)';
    let value: unknown = raw;
    for (const part of issue.path) {
      value =
        value !== null && typeof value === 'object'
          ? (value as Record<PropertyKey, unknown>)[part]
          : undefined;
    }
    return `option '${key}' = ${value === undefined ? '(missing)' : JSON.stringify(value)}: ${issue.message}`;
  });
  throw new Error(`robot import: invalid options:\n  ${lines.join('\n  ')}`);
}
