/**
 * torquepilot: the one command-line entry. Each room registers its own subcommands, so that this
 * file only assembles them, and turns a thrown Error into one message on stderr and exit code 1
 * (set TORQUEPILOT_DEBUG=1 for the stack).
 */
import { Command } from 'commander';
import { registerReplayCommands } from './replay/index.js';
import { registerRobotCommands } from './robot/index.js';
import {
  ensureRosEnvironment,
  readRobotDescription,
  registerActorCommand,
  registerLearnerCommand,
  registerRosCommands,
} from './ros/index.js';
import { registerTrainCommands } from './train/index.js';

const program = new Command();
program
  .name('torquepilot')
  .description('Train, evaluate, replay and deploy torque-controlled robot-arm policies.')
  .showHelpAfterError();

// Subcommand registration (each room owns its register function):
registerTrainCommands(program);
registerReplayCommands(program);
registerRosCommands(program);
// The fleet (issue 17): actors simulate, one learner learns from their chunks (docs/fleet.md).
registerActorCommand(program);
registerLearnerCommand(program);
// `robot import --topic /robot_description` reads the latched URDF over DDS: only then does the
// process enter the ROS environment (a re-exec with the ROS prefix), so import from a file needs no ROS.
registerRobotCommands(program, {
  readRobotDescription: async (topic, options) => {
    await ensureRosEnvironment();
    return readRobotDescription(topic, options);
  },
});
(await import('../sim/index.js')).registerSimCommands(program);
(await import('../bench/simBenchCommand.js')).registerSimBenchCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as Error;
  process.stderr.write(
    `torquepilot: ${process.env['TORQUEPILOT_DEBUG'] ? (e.stack ?? e.message) : e.message}\n`,
  );
  process.exitCode = 1;
}
