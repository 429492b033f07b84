/**
 * torquepilot: the one command-line entry. Each room registers its own subcommands, so that this
 * file only assembles them.
 */
import { Command } from 'commander';

const program = new Command();
program
  .name('torquepilot')
  .description('Train, evaluate, replay and deploy torque-controlled robot-arm policies.')
  .showHelpAfterError();

// Subcommand registration (each room owns its register function):
// registerSimCommands(program);

await program.parseAsync(process.argv);
