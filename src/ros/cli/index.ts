/**
 * The ROS command line: `torquepilot node|sim-robot|deploy` (cli.ts), the in-process or DDS
 * deployment run behind `deploy` and the benches (deploy.ts), and `torquepilot trainer-node`.
 */
export { registerRosCommands } from './cli.js';
export { DEPLOY_DEFAULTS, DEPLOY_REPORT_KEYS, runDeploy } from './deploy.js';
export type { DeployDependencies, DeployOptions, DeployReport } from './deploy.js';
export { registerTrainerNodeCommand } from './trainerCli.js';
export { registerActorCommand } from './actorCli.js';
export { registerLearnerCommand } from './learnerCli.js';
