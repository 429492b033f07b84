/**
 * Harness for the tests over real DDS: finds the ROS 2 environment, starts the rclpy robot peer
 * (test/ros/peer/robot_peer.py) and node processes with discovery on loopback in a domain of the
 * test's own (51–99), waits for events with timeouts, and kills every process in teardown.
 *
 * Without ROS: `rosSkipReason()` names `npm run setup:ros`; with CI=true a missing ROS throws, so
 * that CI fails instead of skipping.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  ROS_ENV_APPLIED_MARKER,
  ROS_SETUP_HINT,
  findRosEnvironment,
  projectRoot,
  userShellEnvironment,
} from '../../../src/ros/transport/rclnodejs/rosEnv.js';
import type { RosEnvironment } from '../../../src/ros/transport/rclnodejs/rosEnv.js';

export const ROOT = projectRoot(fileURLToPath(new URL('.', import.meta.url)));
export const PEER_SCRIPT = join(ROOT, 'test', 'ros', 'peer', 'robot_peer.py');

/** ROS_DOMAIN_ID range owned by the DDS tests and benches (other rooms use other ranges). */
export const DOMAIN_IDS = { first: 51, last: 99 } as const;

/** Why the DDS tests cannot run here, or null when they can. Throws under CI=true. */
export function rosSkipReason(): string | null {
  const reason = findMissing();
  if (reason !== null && process.env['CI'] === 'true') {
    throw new Error(`DDS tests: CI=true but ROS is not usable: ${reason}`);
  }
  return reason;
}

function findMissing(): string | null {
  let ros: RosEnvironment | null;
  try {
    ros = findRosEnvironment();
  } catch (err) {
    return `${(err as Error).message}`;
  }
  if (ros === null) return `no ROS 2 environment; ${ROS_SETUP_HINT}`;
  const addonDir = join(ROOT, 'node_modules', 'rclnodejs', 'build', 'Release');
  if (!existsSync(addonDir) || !readdirSync(addonDir).some((f) => f.endsWith('.node'))) {
    return `rclnodejs is not built against ROS (${addonDir} has no addon); run \`npm run setup:ros\``;
  }
  return null;
}

/** The Python that has rclpy: the venv of the project prefix, else python3 of a sourced ROS. */
export function peerPython(ros: RosEnvironment): string {
  const venvPython = join(ros.prefix, 'bin', 'python');
  return ros.source === 'project' && existsSync(venvPython) ? venvPython : 'python3';
}

/**
 * Environment for a process on DDS: the ROS environment, loopback-only discovery, the domain.
 * `node: false` leaves LD_PRELOAD out (Python processes do not need libpython preloaded).
 */
export function rosProcessEnv(domainId: number, options: { node: boolean }): NodeJS.ProcessEnv {
  if (domainId < DOMAIN_IDS.first || domainId > DOMAIN_IDS.last) {
    throw new Error(
      `rosProcessEnv: domain ${domainId} outside ${DOMAIN_IDS.first}-${DOMAIN_IDS.last}`,
    );
  }
  const ros = findRosEnvironment();
  if (ros === null) throw new Error(`rosProcessEnv: no ROS 2 environment; ${ROS_SETUP_HINT}`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...ros.env };
  if (!options.node) {
    const preload = ros.env['LD_PRELOAD'];
    if (preload !== undefined) {
      const base = process.env['LD_PRELOAD'];
      if (base === undefined || base === '') delete env['LD_PRELOAD'];
      else env['LD_PRELOAD'] = base;
    }
  } else {
    env[ROS_ENV_APPLIED_MARKER] = '1';
  }
  env['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST';
  env['ROS_DOMAIN_ID'] = String(domainId);
  return env;
}

/** Polls `condition` every `intervalMs` until it returns a non-undefined value or time runs out. */
export async function waitUntil<T>(
  what: string,
  condition: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`waitUntil: ${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A child process in its own process group, with its output kept as lines. */
export class ManagedProcess {
  readonly lines: string[] = [];
  private exitCode: number | null | undefined = undefined;
  /** The signal that ended the process (e.g. 'SIGSEGV'), null when it exited by itself. */
  exitSignal: NodeJS.Signals | null = null;
  private readonly exited: Promise<void>;
  private readonly listeners = new Set<(line: string) => void>();

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    const onLine = (line: string): void => {
      this.lines.push(line);
      if (this.lines.length > 5000) this.lines.splice(0, 1000);
      for (const listener of this.listeners) listener(line);
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr)
      createInterface({ input: child.stderr }).on('line', (l) => onLine(`[stderr] ${l}`));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
    });
  }

  static start(
    label: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
  ): ManagedProcess {
    const child = spawn(command, args, {
      env,
      cwd: ROOT,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new ManagedProcess(label, child);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first line (already printed or new) that matches. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.lines.find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(
          new Error(
            `${this.label}: no line matching ${pattern} within ${timeoutMs} ms\n${this.tail()}`,
          ),
        );
      }, timeoutMs);
      const listener = (line: string): void => {
        if (pattern.test(line)) {
          clearTimeout(timer);
          off();
          resolve(line);
        }
      };
      const off = this.onLine(listener);
      void this.exited.then(() => {
        if (!this.listeners.has(listener)) return;
        clearTimeout(timer);
        off();
        reject(
          new Error(
            `${this.label}: exited (${this.exitCode}) before a line matching ${pattern}\n${this.tail()}`,
          ),
        );
      });
    });
  }

  tail(n = 30): string {
    return this.lines
      .slice(-n)
      .map((l) => `  ${this.label}| ${l}`)
      .join('\n');
  }

  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves when it exited. */
  async stop(graceMs = 3000): Promise<number | null | undefined> {
    if (this.running && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exitCode;
  }

  /**
   * Send `signal` to the process itself (not its group), as `ros2 launch` does on Ctrl-C, and wait
   * up to `timeoutMs` for it to exit; resolves with its exit code and the signal that ended it.
   */
  async interrupt(
    signal: NodeJS.Signals,
    timeoutMs: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running && this.child.pid !== undefined) process.kill(this.child.pid, signal);
    const code = await this.waitForExit(timeoutMs);
    return { code, signal: this.exitSignal };
  }

  waitForExit(timeoutMs: number): Promise<number | null> {
    return Promise.race([
      this.exited.then(() => this.exitCode ?? null),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`${this.label}: still running after ${timeoutMs} ms`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
  }
}

/** One reply of the peer: `ok` plus the fields of its op. */
export type PeerReply = { readonly ok: boolean; readonly error?: string } & Record<string, unknown>;

/** What `status` returns (see robot_peer.py RobotPeer.status). */
export interface PeerStatus {
  readonly now: number;
  readonly jointStatesSent: number;
  readonly publishing: boolean;
  readonly stoppedAt: number | null;
  readonly commandCount: number;
  readonly wrongSize: number;
  readonly lastCommand: number[] | null;
  readonly lastCommandAt: number | null;
  readonly commands: { t: number; data: number[] }[];
  readonly policyOutputs: number;
  /** PolicyOutput messages received since `status(since)`'s time (last 400). */
  readonly policyOutputsSince: {
    t: number;
    action: number[];
    command: number[];
    safetyState: string;
    /** The node's header stamp (its clock: wall time unless use_sim_time), seconds. */
    stampSec: number;
  }[];
  readonly lastPolicyOutput: {
    jointNames: string[];
    command: number[];
    safetyState: string;
    stampSec: number;
    receivedAt: number;
  } | null;
  readonly diagnostics: number;
  readonly lastDiagnostics:
    { name: string; level: number; message: string; values: Record<string, string> }[] | null;
  readonly roundTripP50Ms: number | null;
  readonly roundTripP99Ms: number | null;
}

export interface PeerOptions {
  /** Commanded joints in description order. */
  readonly joints: readonly string[];
  readonly extraJoints?: readonly string[];
  /** Effort controller name: commands on /<controller>/commands. */
  readonly controller?: string;
  /** joint_states rate, Hz. */
  readonly rateHz?: number;
  readonly startStopped?: boolean;
  readonly estopTopic?: string;
  /** Reach target (world frame, m) to publish on the target topic at start; none if absent. */
  readonly target?: readonly [number, number, number];
  /** QoS durability of that start target: latched (default) or volatile (as `ros2 topic pub`). */
  readonly targetDurability?: 'transient_local' | 'volatile';
  /** Target topic of the peer's target publishers (default /torquepilot/target). */
  readonly targetTopic?: string;
  /** Joint states: 'static' (a small drift) or 'sine' (the arm keeps moving). */
  readonly motion?: 'static' | 'sine';
  /** Node name of the qos_endpoint op's endpoints (default qos_peer). */
  readonly qosNodeName?: string;
}

/** One /diagnostics status as the peer logged it (op diagnostics_log). */
export interface LoggedDiagnosticStatus {
  /** Peer's monotonic arrival time, s. */
  readonly t: number;
  readonly name: string;
  readonly level: number;
  readonly message: string;
  readonly values: Record<string, string>;
}

/** The rclpy robot peer, driven over its stdin/stdout JSON-lines protocol. */
export class RobotPeer {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: PeerReply) => void>();

  private constructor(readonly process: ManagedProcess) {
    process.onLine((line) => {
      if (!line.startsWith('{')) return;
      let parsed: { id?: number } & PeerReply;
      try {
        parsed = JSON.parse(line) as { id?: number } & PeerReply;
      } catch {
        return;
      }
      if (typeof parsed.id === 'number') {
        const resolve = this.pending.get(parsed.id);
        this.pending.delete(parsed.id);
        resolve?.(parsed);
      }
    });
  }

  static async start(domainId: number, options: PeerOptions): Promise<RobotPeer> {
    const ros = findRosEnvironment();
    if (ros === null) throw new Error(`RobotPeer.start: no ROS 2 environment; ${ROS_SETUP_HINT}`);
    const args = [
      '-u',
      PEER_SCRIPT,
      '--joints',
      options.joints.join(','),
      '--extra-joints',
      (options.extraJoints ?? ['gripper_left', 'gripper_right']).join(','),
      '--controller',
      options.controller ?? 'effort_controller',
      '--rate',
      String(options.rateHz ?? 500),
    ];
    if (options.startStopped === true) args.push('--start-stopped');
    if (options.estopTopic !== undefined) args.push('--estop-topic', options.estopTopic);
    if (options.target !== undefined) args.push('--target', options.target.join(','));
    if (options.targetDurability !== undefined) {
      args.push('--target-durability', options.targetDurability);
    }
    if (options.targetTopic !== undefined) args.push('--target-topic', options.targetTopic);
    if (options.motion !== undefined) args.push('--motion', options.motion);
    if (options.qosNodeName !== undefined) args.push('--qos-node-name', options.qosNodeName);
    const proc = ManagedProcess.start(
      'peer',
      peerPython(ros),
      args,
      rosProcessEnv(domainId, { node: false }),
    );
    const peer = new RobotPeer(proc);
    await proc.waitForLine(/"event": "ready"/, 30_000);
    return peer;
  }

  async request(
    op: string,
    fields: Record<string, unknown> = {},
    timeoutMs = 15_000,
  ): Promise<PeerReply> {
    const id = this.nextId++;
    const reply = new Promise<PeerReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`peer: no reply to ${op} within ${timeoutMs} ms\n${this.process.tail()}`));
      }, timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    this.process.child.stdin?.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    const r = await reply;
    if (!r.ok) throw new Error(`peer: ${op} failed: ${r.error ?? 'unknown error'}`);
    return r;
  }

  async status(since?: number): Promise<PeerStatus> {
    return (await this.request(
      'status',
      since === undefined ? {} : { since },
    )) as unknown as PeerStatus;
  }

  /** Every /diagnostics status since the peer's time `since` (all when absent), in order. */
  async diagnosticsLog(since?: number): Promise<LoggedDiagnosticStatus[]> {
    const r = await this.request('diagnostics_log', since === undefined ? {} : { since });
    return r['statuses'] as LoggedDiagnosticStatus[];
  }

  stop(): Promise<number | null | undefined> {
    this.process.child.stdin?.end();
    return this.process.stop();
  }
}

/**
 * `torquepilot node` as a user or a launch file starts it: no ROS variables in the environment (the
 * CLI finds .ros/ and re-executes itself), loopback discovery, the given domain.
 */
export function startPolicyNodeCli(domain: number, name: string, args: string[]): ManagedProcess {
  const env = userShellEnvironment(domain);
  return ManagedProcess.start(
    name,
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src/cli.ts'),
      'node',
      '--name',
      name,
      '--log-level',
      'info',
      ...args,
    ],
    env,
  );
}

/** `torquepilot sim-robot` as a user or a launch file starts it (the CLI applies the ROS env). */
export function startSimRobotCli(domain: number, args: string[]): ManagedProcess {
  return ManagedProcess.start(
    'sim-robot',
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'sim-robot', '--log-level', 'info', ...args],
    userShellEnvironment(domain),
  );
}
