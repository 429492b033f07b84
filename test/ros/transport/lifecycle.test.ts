import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CALLBACK_ERROR,
  CALLBACK_FAILURE,
  CALLBACK_SUCCESS,
  LifecycleStateMachine,
} from '../../../src/ros/transport/lifecycle.js';
import type {
  CallbackCode,
  LifecycleCallbacks,
  TransitionName,
} from '../../../src/ros/transport/lifecycle.js';

function machine(codes: Partial<Record<keyof LifecycleCallbacks, CallbackCode | 'throw'>> = {}) {
  const calls: string[] = [];
  const errors: string[] = [];
  const cb = (name: keyof LifecycleCallbacks) => () => {
    calls.push(name);
    const code = codes[name] ?? CALLBACK_SUCCESS;
    if (code === 'throw') throw new Error(`${name} exploded`);
    return code;
  };
  const m = new LifecycleStateMachine(
    {
      onConfigure: cb('onConfigure'),
      onActivate: cb('onActivate'),
      onDeactivate: cb('onDeactivate'),
      onCleanup: cb('onCleanup'),
      onShutdown: cb('onShutdown'),
      onError: cb('onError'),
    },
    (e) => errors.push(e),
  );
  return { m, calls, errors };
}

describe('LifecycleStateMachine', () => {
  test('the return codes are those of lifecycle_msgs/msg/Transition', () => {
    assert.deepEqual([CALLBACK_SUCCESS, CALLBACK_FAILURE, CALLBACK_ERROR], [97, 98, 99]);
  });

  test('valid path: configure → activate → deactivate → cleanup → shutdown', () => {
    const { m, calls } = machine();
    const path: [TransitionName, string][] = [
      ['configure', 'inactive'],
      ['activate', 'active'],
      ['deactivate', 'inactive'],
      ['cleanup', 'unconfigured'],
      ['shutdown', 'finalized'],
    ];
    for (const [t, state] of path) {
      const r = m.trigger(t);
      assert.equal(r.success, true, t);
      assert.equal(r.state, state);
    }
    assert.deepEqual(calls, [
      'onConfigure',
      'onActivate',
      'onDeactivate',
      'onCleanup',
      'onShutdown',
    ]);
  });

  test('invalid transitions are refused without calling anything', () => {
    const cases: [TransitionName[], TransitionName, string][] = [
      [[], 'activate', 'unconfigured'],
      [[], 'deactivate', 'unconfigured'],
      [[], 'cleanup', 'unconfigured'],
      [['configure'], 'configure', 'inactive'],
      [['configure', 'activate'], 'cleanup', 'active'],
      [['configure', 'activate'], 'configure', 'active'],
      [['shutdown'], 'configure', 'finalized'],
    ];
    for (const [prefix, t, state] of cases) {
      const { m, calls } = machine();
      for (const p of prefix) m.trigger(p);
      const before = calls.length;
      const r = m.trigger(t);
      assert.equal(r.success, false);
      assert.equal(r.state, state);
      assert.match(r.reason ?? '', new RegExp(`'${t}' is not valid from state '${state}'`));
      assert.equal(calls.length, before);
    }
  });

  test('shutdown is valid from unconfigured, inactive and active', () => {
    for (const prefix of [[], ['configure'], ['configure', 'activate']] as TransitionName[][]) {
      const { m } = machine();
      for (const p of prefix) m.trigger(p);
      assert.equal(m.trigger('shutdown').state, 'finalized');
    }
  });

  test('FAILURE returns to the start state', () => {
    const { m } = machine({ onConfigure: CALLBACK_FAILURE });
    const r = m.trigger('configure');
    assert.deepEqual([r.success, r.state], [false, 'unconfigured']);
    assert.match(r.reason ?? '', /FAILURE/);
  });

  test('ERROR (or a throw) goes through onError: SUCCESS → unconfigured, else finalized', () => {
    const a = machine({ onActivate: CALLBACK_ERROR });
    a.m.trigger('configure');
    assert.equal(a.m.trigger('activate').state, 'unconfigured');
    assert.deepEqual(a.calls, ['onConfigure', 'onActivate', 'onError']);

    const b = machine({ onConfigure: 'throw', onError: CALLBACK_FAILURE });
    const r = b.m.trigger('configure');
    assert.equal(r.state, 'finalized');
    assert.match(b.errors[0] ?? '', /onConfigure threw: onConfigure exploded/);
  });
});
