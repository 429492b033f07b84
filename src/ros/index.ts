/**
 * torquepilot's ROS 2 side, in rooms that import downwards only:
 *
 *   cli/        the ros commands of the CLI and the deployment run
 *   nodes/      policy node, sim robot node, trainer node, their parameter tables
 *   control/    ControlStep (match → observation → policy → gear → safety), pure
 *   transport/  Transport interface, messages, lifecycle, ParameterStore, in-process, rclnodejs
 *   timing/     DeadlineSchedule, busy polling, precise timer, tick pacing, latency statistics
 *
 * This file is the public face for src/cli.ts, bench/ and the docs generator.
 */
export * from './cli/index.js';
export * from './nodes/index.js';
export * from './control/index.js';
export * from './transport/index.js';
export * from './timing/index.js';
