/**
 * `torquepilot actor` (commander): the actor node (nodes/actorNode.ts) on its own vectorised
 * simulation, built as `train` builds it (docs/fleet.md). Prints one JSON line when it stops:
 * {"type":"done","actorId","chunks","transitions","version","snapshotsApplied","snapshotsRefused"}.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { makeVecEnv } from '../../../sim/index.js';
import { resolveRandomize } from '../../config/index.js';
import { experienceIdentity } from '../../learn/index.js';
import { GaussianPolicy, ValueNetwork } from '../../policy/index.js';
import { parseIntFlag } from '../../train/index.js';
import { parseLogLevel, Random } from '../../util/index.js';
import { ActorNode } from '../nodes/index.js';
import { loadRclnodejsTransport } from '../transport/index.js';
import { fleetConfig, fleetLogger, withShutdown } from './fleetShared.js';
import type { FleetTaskFlags } from './fleetShared.js';
import { nodeLogger } from './cliLoggers.js';

interface ActorFlags extends FleetTaskFlags {
  envs: string;
  chunkSteps: string;
  workers: string;
  actorId?: string;
  name?: string;
  chunks?: string;
  maxAhead?: string;
}

/** A ROS node name from any text (letters, digits and underscores; not starting with a digit). */
function nodeName(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(clean) ? `n_${clean}` : clean;
}

async function actorAction(flags: ActorFlags): Promise<void> {
  const actorId = flags.actorId ?? `${hostname()}-${process.pid}`;
  const name = flags.name ?? nodeName(`torquepilot_actor_${actorId}`);
  await withShutdown(name, 'exiting mid-chunk', async (stopRequested, useLog) => {
    const config = fleetConfig(flags);
    const numEnvs = parseIntFlag('--envs', flags.envs, 1, 4096);
    const chunkSteps = parseIntFlag('--chunk-steps', flags.chunkSteps, 1, 1_000_000);
    const workers = parseIntFlag('--workers', flags.workers, 0, 64);
    const maxChunks =
      flags.chunks !== undefined ? parseIntFlag('--chunks', flags.chunks, 1) : Infinity;
    const maxAhead =
      flags.maxAhead !== undefined ? parseIntFlag('--max-ahead', flags.maxAhead, 1) : Infinity;
    const logger = fleetLogger(config, flags);
    const log = nodeLogger(logger);
    useLog(log);
    const robot = config.robot !== '' ? { robot: config.robot } : {};
    const vecEnv = await makeVecEnv(config.task, {
      ...robot,
      numEnvs,
      workers,
      randomize: resolveRandomize(config.randomize),
      control: config.control,
    });
    const spec = vecEnv.spec;
    // The actor's networks start random; its first snapshot overwrites the policy.
    const root = new Random(config.seed);
    const policy = new GaussianPolicy(
      { ...config.policy, obsSize: spec.obsSize, actionSize: spec.actionSize },
      root.fork(),
    );
    const value = new ValueNetwork({ ...config.value, obsSize: spec.obsSize }, root.fork());
    const transport = await loadRclnodejsTransport({ logger: log });
    const node = transport.createRawTopicNode(name);
    const actor = new ActorNode(node, {
      identity: experienceIdentity(spec),
      vecEnv,
      policy,
      value,
      chunkSteps,
      rng: root.fork(),
      seed: root.nextUint32(),
      actorId,
      maxAhead,
    });
    transport.spin();
    logger.warn(
      `${name}: actor '${actorId}' on ${config.task}, ${numEnvs} envs × ${chunkSteps} steps per chunk; waiting for parameters`,
    );
    try {
      await actor.run(stopRequested, maxChunks);
      const s = actor.stats();
      process.stdout.write(
        `${JSON.stringify({ type: 'done', actorId, chunks: s.chunksPublished, transitions: s.transitionsPublished, version: s.version, snapshotsApplied: s.snapshotsApplied, snapshotsRefused: s.snapshotsRefused })}\n`,
      );
    } finally {
      await actor.close();
      await transport.shutdown();
    }
  });
}

export function registerActorCommand(program: Command): void {
  program
    .command('actor')
    .description(
      'Collect experience in a vectorised simulation with the newest parameters from /torquepilot/policy_parameters; publish TransitionChunks (docs/fleet.md).',
    )
    .option('--task <kind|file>', 'task (as train)')
    .option('--robot <dir|name>', "robot (as train); default: the task's")
    .option('--config <file>', 'training config YAML over the task defaults (policy shape)')
    .option('--envs <n>', 'environments stepped together', '8')
    .option('--chunk-steps <T>', 'steps per environment per chunk', '64')
    .option('--workers <n>', 'worker threads of the vectorised env (0: in the main thread)', '0')
    .option('--seed <n>', 'environment seeds and action noise')
    .option('--actor-id <id>', 'actor id in the chunks (default: <host>-<pid>)')
    .option('--name <name>', 'node name (default: torquepilot_actor_<actor id>)')
    .option('--chunks <n>', 'stop after n chunks (default: until Ctrl-C)')
    .option(
      '--max-ahead <k>',
      "collect k chunks per parameter snapshot received (1 + k after the first), publishing each at once; k = the learner batch in this actor's chunks (default: no limit)",
    )
    .option('--log-level <level>', 'trace | debug | info | warn | error | fatal | silent')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (flags: ActorFlags) => {
      if (flags.logLevel !== undefined) parseLogLevel(flags.logLevel);
      await actorAction(flags);
    });
}
