/**
 * policyNodeStatus: every state, its level, message and waiting_for, and the precedence between
 * them (issue 20: the state names what is true, e.g. never "watchdog" while joint states are fresh).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { policyNodeStatus } from '../../../src/ros/nodes/policyNodeStatus.js';
import type {
  PolicyNodeState,
  PolicyNodeStatusInput,
  WaitingFor,
} from '../../../src/ros/nodes/policyNodeStatus.js';
import {
  DIAGNOSTIC_ERROR,
  DIAGNOSTIC_OK,
  DIAGNOSTIC_WARN,
} from '../../../src/ros/transport/messages.js';

const MS = 1_000_000n;

/** Running: active, armed, fresh states, target there, ramp done, loop at its rate. */
const RUNNING: PolicyNodeStatusInput = Object.freeze({
  active: true,
  estopLatched: false,
  jointStateError: '',
  nonFinite: false,
  jointStateAgeNs: 5n * MS,
  watchdogPeriodNs: 100n * MS,
  targetMissing: false,
  unarmed: false,
  rampFraction: 1,
  loopRateHz: 50,
  targetRateHz: 50,
  jointStatesTopic: '/joint_states',
  targetTopic: '/clicked_point',
});

type Case = [
  name: string,
  input: Partial<PolicyNodeStatusInput>,
  state: PolicyNodeState,
  level: number,
  message: RegExp,
  waitingFor: WaitingFor,
  watchdogTripped: boolean,
];

describe('policyNodeStatus: one state per situation', () => {
  // Each case holds its own condition and, where the precedence matters, every lower one too.
  const cases: Case[] = [
    [
      'inactive (even with an e-stop latched and stale states)',
      { active: false, estopLatched: true, jointStateAgeNs: 900n * MS },
      'inactive',
      DIAGNOSTIC_OK,
      /^inactive: publishing nothing \(activate to start\)$/,
      'activate',
      false,
    ],
    [
      'e-stop over a fault, stale states and missing inputs',
      { estopLatched: true, nonFinite: true, jointStateAgeNs: 900n * MS, unarmed: true },
      'estop',
      DIAGNOSTIC_ERROR,
      /^e-stop latched: zero torque until reset/,
      'estop_reset',
      true,
    ],
    [
      'fault: non-finite action, over stale states',
      { nonFinite: true, jointStateAgeNs: 900n * MS },
      'fault',
      DIAGNOSTIC_ERROR,
      /^fault: non-finite policy output, zero torque$/,
      'none',
      true,
    ],
    [
      'fault: a joint missing, before any usable state',
      { jointStateError: 'joint state lacks joint(s) [elbow]', jointStateAgeNs: null },
      'fault',
      DIAGNOSTIC_ERROR,
      /^fault: joint state refused \(joint state lacks joint\(s\) \[elbow\]\), zero torque$/,
      'none',
      false,
    ],
    [
      'watchdog: states arrived, then stopped (also while the target is missing and unarmed)',
      { jointStateAgeNs: 100n * MS + 1n, targetMissing: true, unarmed: true },
      'watchdog',
      DIAGNOSTIC_ERROR,
      /^watchdog: joint states on \/joint_states stale \(newest 0\.100 s old\), zero torque$/,
      'joint_states',
      true,
    ],
    [
      'waiting for joint states (none since configure), over a missing target and unarmed',
      { jointStateAgeNs: null, targetMissing: true, unarmed: true },
      'waiting_for_joint_states',
      DIAGNOSTIC_WARN,
      /^waiting for joint states on \/joint_states$/,
      'joint_states',
      false,
    ],
    [
      'waiting for the target, states fresh (exactly the watchdog period old), unarmed',
      { jointStateAgeNs: 100n * MS, targetMissing: true, unarmed: true },
      'waiting_for_target',
      DIAGNOSTIC_WARN,
      /^waiting for a target on \/clicked_point \(geometry_msgs\/msg\/PointStamped\)$/,
      'target',
      false,
    ],
    [
      'unarmed, states fresh, target there',
      { unarmed: true, rampFraction: 0 },
      'unarmed',
      DIAGNOSTIC_OK,
      /^unarmed: publishing nothing \(set parameter armed to true\)$/,
      'armed',
      false,
    ],
    [
      'ramping after arming',
      { rampFraction: 0.375 },
      'ramping',
      DIAGNOSTIC_OK,
      /^ramping up after arming: 37 % of torque_scale$/,
      'none',
      false,
    ],
    ['running', {}, 'running', DIAGNOSTIC_OK, /^running$/, 'none', false],
    [
      'running below 90 % of the control rate: WARN, same state',
      { loopRateHz: 44.9 },
      'running',
      DIAGNOSTIC_WARN,
      /^running, control loop slow: 44\.9 Hz of 50 Hz$/,
      'none',
      false,
    ],
  ];
  for (const [name, over, state, level, message, waitingFor, tripped] of cases) {
    test(name, () => {
      const s = policyNodeStatus({ ...RUNNING, ...over });
      assert.equal(s.state, state);
      assert.equal(s.level, level);
      assert.match(s.message, message);
      assert.equal(s.waitingFor, waitingFor);
      assert.equal(s.watchdogTripped, tripped);
    });
  }

  test('every state is reachable and no two cases above disagree on a state’s level', () => {
    const levels = new Map<PolicyNodeState, Set<number>>();
    for (const [, over] of cases) {
      const s = policyNodeStatus({ ...RUNNING, ...over });
      (levels.get(s.state) ?? levels.set(s.state, new Set()).get(s.state)!).add(s.level);
    }
    assert.deepEqual([...levels.keys()].sort(), [
      'estop',
      'fault',
      'inactive',
      'ramping',
      'running',
      'unarmed',
      'waiting_for_joint_states',
      'waiting_for_target',
      'watchdog',
    ]);
    for (const [state, set] of levels) {
      if (state !== 'running') assert.equal(set.size, 1, `${state}: levels ${[...set].join(', ')}`);
    }
  });
});
