/**
 * /diagnostics never reports `watchdog_tripped: true` with `watchdog_trips: 0`: the report reads the
 * joint state's age when it is built, while the safety layer counts a trip at its next tick, so a
 * report that falls between the two counts the trip already (seen over DDS as a flaky diagnostics
 * check under load).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildDiagnostics } from '../../../src/ros/nodes/diagnostics.js';
import type { DiagnosticsInput } from '../../../src/ros/nodes/diagnostics.js';
import type { PolicyNodeStats } from '../../../src/ros/nodes/policyNodeTypes.js';

const MS = 1_000_000n;

function keys(ageNs: bigint, stats: Partial<PolicyNodeStats>): Record<string, string> {
  const input: DiagnosticsInput = {
    stampNs: 0n,
    nodeName: 'torquepilot_policy',
    hardwareId: 'arm',
    rateHz: 50,
    targetRateHz: 50,
    p50LatencyMs: 0.1,
    p99LatencyMs: 0.2,
    stats: {
      ticks: 100,
      published: 100,
      maxAbsTorque: 1,
      torqueLimitViolations: 0,
      watchdogTrips: 0,
      missedTicks: 0,
      nonFiniteEvents: 0,
      safetyState: 'ok',
      ...stats,
    },
    armed: true,
    mode: 'real',
    checkpointId: 'ck',
    state: {
      active: true,
      estopLatched: false,
      jointStateError: '',
      nonFinite: false,
      jointStateAgeNs: ageNs,
      watchdogPeriodNs: 100n * MS,
      targetMissing: false,
      unarmed: false,
      rampFraction: 1,
      jointStatesTopic: '/joint_states',
      targetTopic: '/torquepilot/target',
    },
  };
  const status = buildDiagnostics(input).status[0]!;
  return Object.fromEntries(status.values.map((v) => [v.key, v.value]));
}

describe('diagnostics: watchdog_tripped and watchdog_trips agree', () => {
  test('fresh states: not tripped, no trips', () => {
    const k = keys(5n * MS, {});
    assert.equal(k['watchdog_tripped'], 'false');
    assert.equal(k['watchdog_trips'], '0');
  });
  test('stale before the tick that counts it: tripped, and counted as 1', () => {
    const k = keys(150n * MS, { safetyState: 'ok', watchdogTrips: 0 });
    assert.equal(k['state'], 'watchdog');
    assert.equal(k['watchdog_tripped'], 'true');
    assert.equal(k['watchdog_trips'], '1');
  });
  test('stale after the tick counted it: the count is not doubled', () => {
    const k = keys(150n * MS, { safetyState: 'watchdog', watchdogTrips: 1 });
    assert.equal(k['watchdog_tripped'], 'true');
    assert.equal(k['watchdog_trips'], '1');
  });
  test('fresh again after two trips: not tripped, two trips', () => {
    const k = keys(5n * MS, { safetyState: 'ok', watchdogTrips: 2 });
    assert.equal(k['watchdog_tripped'], 'false');
    assert.equal(k['watchdog_trips'], '2');
  });
});
