/**
 * The robot folder on disk: `model.xml`, `meshes/`, `robot.yaml` and (for a URDF) `robot.urdf`,
 * written into a temporary sibling of the target and renamed into place, so a failed or interrupted
 * import never leaves half a robot (src/config/robotDescription.ts holds the robot.yaml schema).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { renameDirAtomic } from '../util/index.js';

export interface RobotYaml {
  readonly name: string;
  readonly controlRateHz: number;
  readonly frameSkip: number;
  readonly timestep: number;
  readonly jointNames: readonly string[];
  readonly torqueLimits: readonly number[];
  readonly home: readonly number[];
  readonly gravity: 'policy' | 'robot';
  readonly workspace: { readonly low: readonly number[]; readonly high: readonly number[] };
  readonly description: string | undefined;
  readonly source: { readonly kind: string; readonly path: string; readonly command: string };
}

/** A YAML flow list (JSON is YAML): names quoted, numbers as written. */
function list(values: readonly (string | number)[]): string {
  return `[${values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}]`;
}

function round(value: number, digits = 6): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** robot.yaml text per the robot-folder spec, with a comment on each derived value. */
export function robotYamlText(robot: RobotYaml): string {
  const lines = [
    `# Robot description written by \`torquepilot robot import\`. Schema: src/config/robotDescription.ts.`,
    `name: ${robot.name}`,
    `model: model.xml # torque <motor>s in jointNames order, ctrlrange = ±torqueLimits`,
    `controlRateHz: ${robot.controlRateHz} # = 1 / (timestep ${round(robot.timestep, 9)} s × frameSkip)`,
    `frameSkip: ${robot.frameSkip}`,
    `jointNames: ${list(robot.jointNames)}`,
    `torqueLimits: ${list(robot.torqueLimits)} # |effort|, N·m (N for prismatic joints)`,
    `actuatorGear: ${list(robot.jointNames.map(() => 1))}`,
    `endEffectorSite: ee`,
    `home: ${list(robot.home.map((q) => round(q)))} # rad (m for prismatic joints)`,
    `gravity: ${robot.gravity} # ${robot.gravity === 'robot' ? 'the driver compensates gravity: gravcomp="1" on every body' : 'the policy holds the arm up'}`,
    `topics:`,
    `  jointStates: /joint_states`,
    `  commands: /effort_controller/commands`,
    `workspace: # reach box in the base frame, m: forward kinematics sampled around home`,
    `  low: ${list(robot.workspace.low)}`,
    `  high: ${list(robot.workspace.high)}`,
  ];
  if (robot.description !== undefined) lines.push(`description: ${robot.description}`);
  lines.push(
    `source:`,
    `  kind: ${robot.source.kind}`,
    `  path: ${JSON.stringify(robot.source.path)}`,
    `  command: ${JSON.stringify(robot.source.command)}`,
  );
  return `${lines.join('\n')}\n`;
}

export interface RobotFolderFiles {
  readonly modelXml: string;
  readonly robotYaml: string;
  /** The URDF text, written as robot.urdf; undefined for an MJCF input. */
  readonly urdf: string | undefined;
  /** Relative path (e.g. `meshes/link1.stl`) → bytes. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/**
 * An existing `--out` is replaced whole, so it must be an earlier robot folder (it holds
 * robot.yaml) or empty: `--out .` or a typo must never delete someone's directory.
 * @throws Error naming the directory.
 */
export function checkReplaceable(target: string): void {
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) {
    throw new Error(`robot import: --out ${target} exists and is not a directory`);
  }
  const entries = readdirSync(target);
  if (entries.length > 0 && !entries.includes('robot.yaml')) {
    throw new Error(
      `robot import: --out ${target} exists and is not a robot folder (no robot.yaml); refusing to replace it: choose a new or empty directory`,
    );
  }
}

/**
 * Write the folder at `outDir` atomically (replacing an existing one).
 * @returns The absolute folder path.
 */
export function writeRobotFolder(outDir: string, contents: RobotFolderFiles): string {
  const target = resolve(outDir);
  checkReplaceable(target);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.import-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'model.xml'), contents.modelXml);
    writeFileSync(join(tmp, 'robot.yaml'), contents.robotYaml);
    if (contents.urdf !== undefined) writeFileSync(join(tmp, 'robot.urdf'), contents.urdf);
    for (const [relative, bytes] of contents.files) {
      const path = join(tmp, relative);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
    }
    renameDirAtomic(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return target;
}
