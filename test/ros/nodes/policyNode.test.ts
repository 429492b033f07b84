import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type {
  DiagnosticArrayMessage,
  PolicyOutputMessage,
} from '../../../src/ros/transport/messages.js';
import { POLICY_TOPICS } from '../../../src/ros/nodes/parameters.js';
import type { ParameterValue } from '../../../src/ros/transport/transport.js';
import {
  JOINTS,
  LIMITS,
  LinearPolicy,
  fakeDescription,
  fakeWorld,
  stateObservation,
} from '../fakes.js';
import { ZERO_DELIVERY_TIMEOUT_MS } from '../../../src/ros/nodes/policyNode.js';
import { activate, MS, PERIOD, setup } from './policyNodeSetup.js';

describe('PolicyNode: configure refuses a policy that does not fit the robot', () => {
  const cases: [
    string,
    () => Partial<{ policy: LinearPolicy; description: ReturnType<typeof fakeDescription> }>,
    RegExp,
  ][] = [
    [
      'action size',
      () => ({ policy: new LinearPolicy(['shoulder', 'elbow'], 6) }),
      /action size: policy has 2, robot description commands 3 joints/,
    ],
    [
      'observation size',
      () => ({ policy: new LinearPolicy(JOINTS, 7) }),
      /observation size: policy expects 7, task 'fake' builds 6/,
    ],
    [
      'joint order',
      () => ({ policy: new LinearPolicy(['elbow', 'shoulder', 'wrist']) }),
      /joint names: policy \[elbow, shoulder, wrist\] vs robot description \[shoulder, elbow, wrist\]/,
    ],
    [
      'joint names',
      () => ({ description: fakeDescription({ jointNames: ['a', 'b', 'c'] }) }),
      /joint names/,
    ],
    [
      'task',
      () => ({ policy: new LinearPolicy(JOINTS, 6, 'arm7-reach') }),
      /task: policy trained on 'arm7-reach'/,
    ],
  ];
  for (const [name, make, pattern] of cases) {
    test(name, () => {
      const s = setup({}, fakeWorld(make));
      const r = s.handle.trigger('configure');
      assert.equal(r.success, false);
      assert.equal(r.state, 'unconfigured');
      assert.match(s.logs.join('\n'), pattern);
      assert.equal(s.world.closed, 1, 'the refused deployment is released');
    });
  }

  test('an empty checkpoint parameter is refused by name', () => {
    const s = setup({ checkpoint: '' });
    assert.equal(s.handle.trigger('configure').success, false);
    assert.match(s.logs.join('\n'), /parameter 'checkpoint' is empty/);
  });
});

describe('PolicyNode: lifecycle', () => {
  test('valid and invalid transitions; nothing published before activate', () => {
    const s = setup();
    assert.equal(s.handle.trigger('activate').success, false);
    assert.equal(s.handle.trigger('configure').state, 'inactive');
    s.publishState();
    s.transport.advanceBy(100n * MS);
    assert.equal(s.commands.length, 0, 'inactive node publishes nothing');
    assert.equal(s.handle.trigger('configure').success, false);
    assert.equal(s.handle.trigger('activate').state, 'active');
    assert.equal(s.handle.trigger('cleanup').success, false, 'cleanup is invalid while active');
    assert.equal(s.handle.trigger('deactivate').state, 'inactive');
    assert.equal(s.handle.trigger('cleanup').state, 'unconfigured');
    assert.equal(s.world.closed, 1);
    assert.equal(s.handle.trigger('configure').state, 'inactive', 'reconfigure after cleanup');
    assert.equal(s.handle.trigger('shutdown').state, 'finalized');
  });

  test('deactivate publishes zero torque and stops the timer', () => {
    const s = setup();
    activate(s);
    s.publishState();
    s.transport.advanceBy(PERIOD);
    assert.notDeepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
    s.handle.trigger('deactivate');
    assert.deepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
    const count = s.commands.length;
    s.publishState();
    s.transport.advanceBy(10n * PERIOD);
    assert.equal(s.commands.length, count);
  });

  test('deactivate waits for the zero command to be acknowledged, and warns when it is not', () => {
    // What the publisher had sent when deactivate waited, and the bound it waited with.
    const waits: { sent: number[] | undefined; timeoutMs: number }[] = [];
    let acknowledged = true;
    const s = setup({}, undefined, (timeoutMs) => {
      waits.push({ sent: s.commands.at(-1)?.data, timeoutMs });
      return acknowledged;
    });
    activate(s);
    s.publishState();
    s.transport.advanceBy(PERIOD);
    assert.equal(waits.length, 0, 'a tick never waits for delivery');
    s.handle.trigger('deactivate');
    assert.deepEqual(waits, [{ sent: [0, 0, 0], timeoutMs: ZERO_DELIVERY_TIMEOUT_MS }]);
    assert.equal(s.logs.filter((l) => l.includes('not acknowledged')).length, 0);
    // A reader that does not acknowledge in time: said, since the controller may keep the torque.
    acknowledged = false;
    assert.equal(s.handle.trigger('activate').success, true);
    s.publishState();
    s.transport.advanceBy(PERIOD);
    s.handle.trigger('deactivate');
    assert.equal(waits.length, 2);
    assert.equal(
      s.logs.filter((l) => /^warn: .*zero command was not acknowledged/.test(l)).length,
      1,
    );
  });
});

describe('PolicyNode: the tick', () => {
  test('one entry per commanded joint, in description order, whatever the joint_states order', () => {
    const s = setup({ max_torque_step: 2 });
    activate(s);
    // q = 1, 2, 3 (description order), q̇ = 0.1 q → action = q + q̇ = 1.1, 2.2, 3.3 → clamp wrist to 2.
    for (const order of [
      ['wrist', 'shoulder', 'elbow'],
      ['finger_left', 'elbow', 'wrist', 'finger_right', 'shoulder'],
    ]) {
      s.publishState(order);
      s.transport.advanceBy(PERIOD);
      const last = s.commands.at(-1)?.data ?? [];
      assert.equal(last.length, 3);
      last.forEach((x, j) => assert.ok(Math.abs(x - [1.1, 2.2, 2][j]!) < 1e-12, `${x}`));
    }
    assert.equal(s.node().stats().torqueLimitViolations, 0);
    assert.equal(s.node().stats().maxAbsTorque, 2.2);
  });

  test('a joint state lacking a described joint is not used (error logged, watchdog stops torque)', () => {
    const s = setup({ max_torque_step: 2, watchdog_period: 0.025 });
    activate(s);
    s.publishState();
    s.transport.advanceBy(PERIOD);
    assert.notDeepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
    for (let k = 0; k < 5; k++) {
      s.publishState(['shoulder', 'wrist']);
      s.transport.advanceBy(PERIOD);
    }
    assert.deepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
    assert.match(s.logs.join('\n'), /lacks joint\(s\) \[elbow\]/);
  });

  test('watchdog: zero torque within one watchdog period plus one tick after states stop', () => {
    const watchdog = 0.035; // s; not a multiple of the 10 ms tick on purpose
    const s = setup({ watchdog_period: watchdog, max_torque_step: 2 });
    activate(s);
    let lastStateAt = 0n;
    for (let k = 0; k < 20; k++) {
      s.publishState();
      lastStateAt = s.transport.nowNs();
      s.transport.advanceBy(PERIOD);
    }
    assert.notDeepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
    s.transport.advanceBy(200n * MS);
    const firstZero = s.commands.find((c) => c.t > lastStateAt && c.data.every((x) => x === 0));
    assert.ok(firstZero !== undefined);
    const bound = BigInt(Math.round(watchdog * 1e9)) + PERIOD;
    assert.ok(firstZero.t - lastStateAt <= bound, `${firstZero.t - lastStateAt} > ${bound}`);
    // ... and torque stays zero, and comes back with fresh states.
    assert.ok(
      s.commands.filter((c) => c.t > firstZero.t).every((c) => c.data.every((x) => x === 0)),
    );
    assert.equal(s.node().stats().watchdogTrips, 1);
    s.publishState();
    s.transport.advanceBy(PERIOD);
    assert.notDeepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
  });

  test('e-stop latches zero torque until the reset service or the reset topic', () => {
    const s = setup({ max_torque_step: 2 });
    activate(s);
    const step = () => {
      s.publishState();
      s.transport.advanceBy(PERIOD);
      return s.commands.at(-1)?.data;
    };
    assert.notDeepEqual(step(), [0, 0, 0]);
    s.transport.publish('std_msgs/msg/Bool', POLICY_TOPICS.estop, { data: true });
    assert.deepEqual(s.commands.at(-1)?.data, [0, 0, 0], 'zero published at once');
    s.transport.publish('std_msgs/msg/Bool', POLICY_TOPICS.estop, { data: false });
    for (let k = 0; k < 5; k++) assert.deepEqual(step(), [0, 0, 0], 'false does not clear it');
    assert.deepEqual(s.transport.callTrigger(POLICY_TOPICS.estopResetService), {
      success: true,
      message: 'e-stop cleared',
    });
    assert.notDeepEqual(step(), [0, 0, 0]);
    s.transport.publish('std_msgs/msg/Bool', POLICY_TOPICS.estop, { data: true });
    assert.deepEqual(step(), [0, 0, 0]);
    s.transport.publish('std_msgs/msg/Bool', POLICY_TOPICS.estopReset, { data: true });
    assert.notDeepEqual(step(), [0, 0, 0]);
  });

  test('real mode: nothing until armed; then the torque ramps up from zero', () => {
    // 100 Hz, arm_ramp_time 0.05 s → 5 ramp ticks.
    const s = setup({ mode: 'real', arm_ramp_time: 0.05, max_torque_step: 2 });
    activate(s);
    for (let k = 0; k < 10; k++) {
      s.publishState();
      s.transport.advanceBy(PERIOD);
    }
    assert.equal(s.commands.length, 0);
    const r = s.node().node.setParameters([{ name: 'armed', value: true }]);
    assert.equal(r.successful, true);
    for (let k = 0; k < 7; k++) {
      s.publishState();
      s.transport.advanceBy(PERIOD);
    }
    const shoulder = s.commands.map((c) => c.data[0] ?? NaN);
    // scale k/5 for k = 0..5, then 1: shoulder action 1.1.
    const expected = [0, 0.22, 0.44, 0.66, 0.88, 1.1, 1.1];
    assert.equal(shoulder.length, expected.length);
    shoulder.forEach((x, k) => assert.ok(Math.abs(x - expected[k]!) < 1e-12, `${k}: ${x}`));
    // Deactivate disarms: re-arming is required.
    s.handle.trigger('deactivate');
    assert.equal(s.node().node.getParameter('armed'), false);
  });

  test('out-of-range and read-only parameters are refused', () => {
    const s = setup();
    activate(s);
    const set = (name: string, value: ParameterValue) =>
      s.node().node.setParameters([{ name, value }]);
    assert.match(set('torque_scale', 1.5).reason, /'torque_scale' = 1.5: out of range \[0, 1\]/);
    assert.match(set('control_rate', -1).reason, /out of range/);
    assert.match(set('watchdog_period', 0).reason, /out of range/);
    assert.match(set('tick_source', 'sometimes').reason, /expected one of timer, joint_states/);
    assert.match(set('mode', 'real').reason, /read-only/);
    assert.match(set('armed', 1).reason, /expected a bool/);
    assert.match(set('nope', 1).reason, /not declared/);
    assert.equal(set('torque_scale', 0.5).successful, true);
    assert.equal(s.node().node.getParameter('torque_scale'), 0.5);
  });

  test('explore_scale may only shrink the std: above 1 (or 0) is refused with the range', () => {
    const s = setup();
    activate(s);
    const set = (name: string, value: ParameterValue) =>
      s.node().node.setParameters([{ name, value }]);
    assert.match(
      set('explore_scale', 1.5).reason,
      /'explore_scale' = 1.5: out of range \[0\.01, 1\]/,
    );
    assert.match(set('explore_scale', 0).reason, /out of range \[0\.01, 1\]/);
    assert.equal(s.node().node.getParameter('explore_scale'), 1);
    assert.equal(set('explore_scale', 0.25).successful, true);
    assert.throws(() => setup({ explore_scale: 2 }), /'explore_scale' = 2: out of range/);
  });

  test('an out-of-range override refuses to start the node', () => {
    assert.throws(() => setup({ torque_scale: 3 }), /'torque_scale' = 3: out of range/);
  });

  test('explore: sampled actions with the behaviour log-prob on PolicyOutput; the mean when off', () => {
    const s = setup({ max_torque_step: 2, explore: true, explore_scale: 0.5, seed: 4 });
    const outputs: PolicyOutputMessage[] = [];
    s.transport.subscribe(
      'torquepilot_msgs/msg/PolicyOutput',
      POLICY_TOPICS.policyOutput,
      'reliable',
      (m) => outputs.push({ ...m, action: Array.from(m.action), mean: Array.from(m.mean) }),
    );
    activate(s);
    s.publishState();
    s.transport.advanceBy(PERIOD);
    s.node().node.setParameters([{ name: 'explore', value: false }]);
    s.publishState();
    s.transport.advanceBy(PERIOD);
    const [sampled, mean] = outputs.slice(-2) as [PolicyOutputMessage, PolicyOutputMessage];
    assert.equal(sampled.deterministic, false);
    assert.notDeepEqual(sampled.action, sampled.mean);
    // log N(a; μ, (0.5·σ)²) with the fake policy's σ = 0.5, from the published action and mean.
    const sb = 0.25;
    let lp = 0;
    (sampled.action as number[]).forEach((a, j) => {
      const z = (a - (sampled.mean as number[])[j]!) / sb;
      lp += -0.5 * z * z - Math.log(sb) - 0.5 * Math.log(2 * Math.PI);
    });
    assert.ok(Math.abs(sampled.logProb - lp) < 1e-9, `${sampled.logProb} vs ${lp}`);
    assert.equal(mean.deterministic, true);
    assert.deepEqual(mean.action, mean.mean);
    assert.ok(Number.isNaN(mean.logProb));
  });

  test('a non-finite policy output becomes zero torque and an error log', () => {
    const s = setup({ max_torque_step: 2 });
    activate(s);
    s.publishState();
    s.transport.advanceBy(PERIOD);
    s.world.policy.poison = NaN;
    s.publishState();
    s.transport.advanceBy(PERIOD);
    assert.deepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
    assert.match(s.logs.join('\n'), /non-finite action\[0\] = NaN/);
    assert.equal(s.node().stats().nonFiniteEvents, 1);
    assert.ok(s.commands.every((c) => c.data.every(Number.isFinite)));
  });

  test('policy output and diagnostics are published', () => {
    const s = setup({ max_torque_step: 2 });
    const outputs: PolicyOutputMessage[] = [];
    const diags: DiagnosticArrayMessage[] = [];
    s.transport.subscribe(
      'torquepilot_msgs/msg/PolicyOutput',
      POLICY_TOPICS.policyOutput,
      'reliable',
      (m) => outputs.push(m),
    );
    s.transport.subscribe('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 'reliable', (m) =>
      diags.push(m),
    );
    activate(s);
    for (let k = 0; k < 250; k++) {
      s.publishState();
      s.transport.advanceBy(PERIOD);
    }
    assert.equal(outputs.length, 250);
    const o = outputs.at(-1)!;
    assert.deepEqual(
      Array.from(o.std).map((x) => Math.round(x * 1e12) / 1e12),
      [0.5, 0.5, 0.5],
    );
    // Deterministic (explore false): the mean has no density, so no log-prob.
    assert.equal(o.deterministic, true);
    assert.ok(Number.isNaN(o.logProb), `log-prob ${o.logProb}`);
    assert.equal(o.checkpointId, 'fake-ckpt');
    assert.equal(diags.length, 2);
    const values = Object.fromEntries(diags[1]!.status[0]!.values.map((v) => [v.key, v.value]));
    assert.equal(Number(values.loop_rate_hz), 100);
    assert.equal(values.watchdog_tripped, 'false');
    assert.equal(values.armed, 'true');
    assert.equal(diags[1]!.status[0]!.level, 0);
  });

  test("tick_source 'joint_states' ticks on each state; the timer still trips the watchdog", () => {
    const s = setup({ tick_source: 'joint_states', max_torque_step: 2, watchdog_period: 0.02 });
    activate(s);
    // States 1 ms off the timer's phase: every command answers a state at once, none waits.
    for (let k = 0; k < 5; k++) {
      s.transport.advanceBy(k === 0 ? 1n * MS : PERIOD);
      s.publishState();
      assert.equal(s.commands.at(-1)?.t, s.transport.nowNs(), `state ${k} not answered at once`);
    }
    assert.equal(s.commands.length, 5);
    assert.ok(s.commands.every((c) => c.data[0] !== 0));
    assert.equal(s.node().stats().missedTicks, 0);
    // States stop: the timer ticks zero torque within one watchdog period plus one period.
    const lastState = s.transport.nowNs();
    s.transport.advanceBy(100n * MS);
    const firstZero = s.commands.find((c) => c.t > lastState && c.data.every((x) => x === 0));
    assert.ok(firstZero !== undefined, 'no zero command after the states stopped');
    assert.ok(
      firstZero.t - lastState <= 20n * MS + PERIOD,
      `zero after ${firstZero.t - lastState} ns`,
    );
    assert.deepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
  });

  test("tick_source 'joint_states' ticks on the first state of each period and counts missing periods", () => {
    const s = setup({ tick_source: 'joint_states', max_torque_step: 2 });
    activate(s);
    // A broadcaster at 3× the control rate, for 10 periods: one tick per period, each on the
    // period's first state (states k = 0, 3, 6, ...), at once.
    const answered: bigint[] = [];
    for (let k = 0; k < 30; k++) {
      s.transport.advanceBy(PERIOD / 3n);
      const before = s.commands.length;
      s.publishState();
      if (s.commands.length > before) answered.push(BigInt(k));
    }
    assert.deepEqual(answered, [0n, 3n, 6n, 9n, 12n, 15n, 18n, 21n, 24n, 27n]);
    assert.equal(s.node().stats().missedTicks, 0);
    // At the rate, with one state delayed by 0.7 period (the next one then comes 0.3 period
    // later): every state is answered, and no period went without a command.
    const s2 = setup({ tick_source: 'joint_states', max_torque_step: 2 });
    activate(s2);
    for (let k = 0; k < 10; k++) {
      s2.transport.advanceBy(
        k === 4 ? (PERIOD * 17n) / 10n : k === 5 ? (PERIOD * 3n) / 10n : PERIOD,
      );
      s2.publishState();
    }
    // (the timer's watchdog ticks before the first state send zero torque)
    assert.equal(s2.commands.filter((c) => c.data.some((x) => x !== 0)).length, 10);
    assert.equal(s2.node().stats().missedTicks, 0);
    // One state arrives 3 periods after the last: 2 periods went without a command.
    s2.transport.advanceBy(3n * PERIOD);
    s2.publishState();
    assert.equal(s2.node().stats().missedTicks, 2);
  });

  test('a reach task waits for its target (zero torque until /torquepilot/target arrives)', () => {
    const world = fakeWorld(() => ({
      policy: new LinearPolicy(JOINTS, 9),
      observation: stateObservation(3, true),
    }));
    const s = setup({ max_torque_step: 2 }, world);
    activate(s);
    s.publishState();
    s.transport.advanceBy(PERIOD);
    assert.deepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
    s.transport.publish(
      'geometry_msgs/msg/PointStamped',
      POLICY_TOPICS.target,
      { stampNs: 0n, frameId: 'world', x: 0.4, y: 0, z: 0.5 },
      'latched',
    );
    s.publishState();
    s.transport.advanceBy(PERIOD);
    assert.notDeepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
  });

  test('a target latched before configure reaches the node', () => {
    const world = fakeWorld(() => ({
      policy: new LinearPolicy(JOINTS, 9),
      observation: stateObservation(3, true),
    }));
    const s = setup({ max_torque_step: 2 }, world);
    s.transport.publish(
      'geometry_msgs/msg/PointStamped',
      POLICY_TOPICS.target,
      { stampNs: 0n, frameId: 'world', x: 0.4, y: 0, z: 0.5 },
      'latched',
    );
    activate(s);
    s.publishState();
    s.transport.advanceBy(PERIOD);
    assert.notDeepEqual(s.commands.at(-1)?.data, [0, 0, 0]);
  });

  test('torques never exceed the limits under a wild policy', () => {
    const s = setup();
    activate(s);
    s.world.policy.gain = 1000;
    for (let k = 0; k < 50; k++) {
      s.publishState(JOINTS, (n) => Math.sin(k + n.length) * 3);
      s.transport.advanceBy(PERIOD);
    }
    for (const c of s.commands) c.data.forEach((x, j) => assert.ok(Math.abs(x) <= LIMITS[j]!));
    assert.equal(s.node().stats().torqueLimitViolations, 0);
  });
});
