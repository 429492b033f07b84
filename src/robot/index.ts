/**
 * The public face of src/robot: robot descriptions and their importer (URDF, xacro, MJCF, or the
 * URDF text of /robot_description → a robot folder with a torque-controlled MJCF and robot.yaml).
 *
 * ```ts
 * import { importRobot } from '../robot/index.js';
 * const report = await importRobot({ input: { kind: 'file', path: 'ur5e.urdf' }, outDir: 'robots/ur5e' });
 * ```
 */
export { importRobot } from './importRobot.js';
export type { RobotImportOptions, RobotImportReport } from './importRobot.js';
export { formatImportReport, registerRobotCommands } from './cli.js';
export type { ReadRobotDescription, RobotCommandDeps } from './cli.js';
export { stepTiming } from './workspace.js';
