/**
 * `torquepilot robot import <file> --out <dir>` (src/cli.ts registers it). Options are validated by
 * src/config/robotImport.ts; trailing `name:=value` words are xacro arguments, as `ros2 launch` and
 * `xacro` take them. `--topic` reads the URDF through a function the caller passes in (src/ros
 * owns DDS, and sits above this room).
 */
import type { Command } from 'commander';
import { parseRobotImportOptions } from '../config/index.js';
import { importRobot } from './importRobot.js';
import type { RobotImportOptions, RobotImportReport } from './importRobot.js';

/** Reads the latched URDF string of a topic (src/ros `readRobotDescription`). */
export type ReadRobotDescription = (
  topic: string,
  options: { timeoutMs: number },
) => Promise<string>;

export interface RobotCommandDeps {
  readonly readRobotDescription?: ReadRobotDescription;
  /** Where the report goes (default: stdout). */
  readonly write?: (text: string) => void;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function fmtNumber(value: number, digits = 3): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

/** The short human report printed after an import. */
export function formatImportReport(report: RobotImportReport): string {
  const width = Math.max(5, ...report.jointNames.map((n) => n.length));
  const lines = [
    `robot '${report.name}' (${report.sourceKind}) → ${report.outDir}`,
    `  ${'joint'.padEnd(width)}  limit       range (rad/m)          home`,
    ...report.jointNames.map((name, i) => {
      const range = report.ranges[i];
      const rangeText =
        range === undefined ? 'continuous' : `[${fmtNumber(range[0])}, ${fmtNumber(range[1])}]`;
      return `  ${name.padEnd(width)}  ±${fmtNumber(report.torqueLimits[i] ?? 0).padEnd(9)}  ${rangeText.padEnd(21)}  ${fmtNumber(report.home[i] ?? 0)}`;
    }),
    `  end effector: site 'ee' on '${report.endEffector.name}' (${report.endEffector.how}), at home ${JSON.stringify(report.workspace.homeEe)} m`,
    `  workspace (reach box, m): low ${JSON.stringify(report.workspace.low)} high ${JSON.stringify(report.workspace.high)}`,
    `  control ${report.controlRateHz} Hz = timestep ${fmtNumber(report.timestep, 6)} s × frameSkip ${report.frameSkip}; gravity: ${report.gravity}; meshes: ${report.meshCount}`,
    ...report.notices.map((n) => `  note: ${n}`),
    ...report.warnings.map((w) => `  warning: ${w}`),
    `  imported in ${report.seconds.toFixed(2)} s`,
  ];
  return `${lines.join('\n')}\n`;
}

interface RawImportFlags {
  out?: string;
  eeLink?: string;
  packagePath: string[];
  collision?: boolean;
  gravity?: string;
  controlRate?: string;
  home?: string;
  name?: string;
  topic?: string;
  damping?: string;
  armature?: string;
}

export function registerRobotCommands(program: Command, deps: RobotCommandDeps = {}): void {
  const robot = program
    .command('robot')
    .description('Robot descriptions: import a URDF, xacro or MJCF.');
  robot
    .command('import')
    .description(
      'Write a robot folder (torque-controlled MJCF + robot.yaml) from a URDF, xacro or MJCF file, or /robot_description.',
    )
    .argument('[file]', 'URDF, .xacro or MJCF file')
    .argument('[xacroArgs...]', 'xacro arguments as name:=value')
    .requiredOption('--out <dir>', 'robot folder to write (replaced atomically)')
    .option('--topic <topic>', 'read the URDF from a latched topic, e.g. /robot_description')
    .option('--ee-link <name>', 'end-effector link (URDF) or body (MJCF); default: the chain tip')
    .option('--package-path <dir>', 'where package:// and $(find) look (repeatable)', collect, [])
    .option('--no-collision', 'leave collision geometry out (free-space tasks)')
    .option(
      '--gravity <mode>',
      'policy (the policy holds the arm up) or robot (driver compensates)',
    )
    .option('--control-rate <hz>', 'policy/command rate, Hz (default 50)')
    .option('--home <q1,...>', 'home pose, comma-separated, one value per joint')
    .option(
      '--damping <d>',
      "joint damping, N·m·s/rad: one value, or one per joint (URDF default: 0.2 × effort / velocity limit, or the URDF's when larger)",
    )
    .option(
      '--armature <a>',
      'joint armature (reflected rotor inertia), kg·m²: one value, or one per joint (URDF default: 0.1)',
    )
    .option('--name <name>', 'robot name (default: from the description)')
    .action(async (file: string | undefined, rest: string[], flags: RawImportFlags) => {
      const words = [...(file === undefined ? [] : [file]), ...rest];
      const xacroArgs: Record<string, string> = {};
      const positional: string[] = [];
      for (const word of words) {
        const at = word.indexOf(':=');
        if (at > 0) xacroArgs[word.slice(0, at)] = word.slice(at + 2);
        else positional.push(word);
      }
      if (positional.length > 1) {
        throw new Error(`robot import: expected one input file, got ${positional.join(', ')}`);
      }
      const options = parseRobotImportOptions({
        file: positional[0],
        topic: flags.topic,
        out: flags.out,
        name: flags.name,
        eeLink: flags.eeLink,
        packagePath: flags.packagePath,
        noCollision: flags.collision === false,
        gravity: flags.gravity,
        controlRate: flags.controlRate === undefined ? undefined : Number(flags.controlRate),
        home: flags.home === undefined ? undefined : flags.home.split(',').map(Number),
        damping: flags.damping,
        armature: flags.armature,
        xacroArgs,
      });
      let input: RobotImportOptions['input'];
      if (options.topic !== undefined) {
        const read = deps.readRobotDescription;
        if (read === undefined) {
          throw new Error(
            `robot import --topic ${options.topic}: reading the robot description over DDS is not available in this build; save it with 'ros2 param get /robot_state_publisher robot_description' or 'ros2 topic echo --once ${options.topic}' and import the file`,
          );
        }
        input = {
          kind: 'urdfText',
          text: await read(options.topic, { timeoutMs: 10000 }),
          origin: options.topic,
          sourceKind: 'topic',
        };
      } else {
        input = { kind: 'file', path: options.file ?? '', xacroArgs: options.xacroArgs };
      }
      const report = await importRobot({
        input,
        outDir: options.out,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.eeLink === undefined ? {} : { eeLink: options.eeLink }),
        packagePaths: options.packagePath,
        noCollision: options.noCollision,
        gravity: options.gravity,
        controlRateHz: options.controlRate,
        ...(options.home === undefined ? {} : { home: options.home }),
        ...(options.damping === undefined ? {} : { damping: options.damping }),
        ...(options.armature === undefined ? {} : { armature: options.armature }),
        command: ['torquepilot', ...process.argv.slice(2)].join(' '),
      });
      (deps.write ?? ((text: string) => process.stdout.write(text)))(formatImportReport(report));
    });
}
