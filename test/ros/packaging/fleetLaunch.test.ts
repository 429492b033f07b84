/**
 * launch/fleet.launch.py with the stand-in launch modules (launchRecording.ts): one learner and
 * `actors` actors; every option of `torquepilot learner` and `torquepilot actor` is a launch
 * argument, passed when set and left out when empty (the CLI's default holds); actor i gets the id
 * <prefix><i> and the seed actor_seed + i; role:=learner / role:=actors split the fleet over hosts;
 * with role:=all the learner's exit shuts the launch down.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { declaredCliOptions, LAUNCH_DIR, recordLaunchFiles } from './launchRecording.js';
import type { RecordedAction } from './launchRecording.js';

const FILE = 'fleet.launch.py';
const PATH = join(LAUNCH_DIR, FILE);

function actions(overrides: string[] = []): RecordedAction[] {
  const rec = recordLaunchFiles([PATH], overrides)[FILE];
  assert.ok(rec && rec.error === undefined, `${FILE}: ${rec?.error}`);
  for (const a of rec.actions) assert.equal(a.error, undefined, `${FILE}: ${a.error}`);
  return rec.actions;
}

const program = (a: RecordedAction): string => (a.cmd?.[0] ?? '').split('/').pop() ?? '';
const byProgram = (all: RecordedAction[], name: string) => all.filter((a) => program(a) === name);
/** Launch argument of a CLI flag (--seed is learner_seed / actor_seed, --name learner_name). */
const argumentOf = (command: string, flag: string): string =>
  flag === '--seed'
    ? `${command}_seed`
    : flag === '--name'
      ? 'learner_name'
      : flag.slice(2).replaceAll('-', '_');

describe('fleet.launch.py', () => {
  test('defaults: one learner and two actors, no option passed', () => {
    const all = actions();
    assert.equal(byProgram(all, 'learner').length, 1);
    assert.equal(byProgram(all, 'actor').length, 2);
    for (const a of all) assert.deepEqual(a.cmd?.slice(1), [], `${program(a)}: ${a.cmd}`);
  });

  for (const [command, own] of [
    ['learner', ['--help', '--eval-initial']],
    ['actor', ['--help', '--seed', '--actor-id', '--name']],
  ] as const) {
    test(`every option of \`torquepilot ${command}\` is an argument, passed when set`, () => {
      const options = [...declaredCliOptions(command)].filter((o) => !own.includes(o as never));
      assert.ok(options.length >= 5, `few ${command} options parsed: ${options.join(' ')}`);
      const overrides = options.map((f) => `${argumentOf(command, f)}:=3`);
      const set = byProgram(actions(overrides), command);
      assert.ok(set.length > 0);
      for (const a of set) {
        const cmd = a.cmd ?? [];
        for (const flag of options)
          assert.equal(cmd[cmd.indexOf(flag) + 1], '3', `${flag}: ${cmd}`);
      }
    });
  }

  test('eval_initial:=true adds --eval-initial to the learner only', () => {
    const all = actions(['eval_initial:=true']);
    assert.ok(byProgram(all, 'learner')[0]?.cmd?.includes('--eval-initial'));
    for (const a of byProgram(all, 'actor')) assert.ok(!a.cmd?.includes('--eval-initial'));
  });

  test('actors:=3 with ids and seeds per actor', () => {
    const set = byProgram(
      actions(['actors:=3', 'actor_id_prefix:=lab-', 'actor_seed:=10']),
      'actor',
    );
    assert.equal(set.length, 3);
    set.forEach((a, i) => {
      const cmd = a.cmd ?? [];
      assert.equal(cmd[cmd.indexOf('--actor-id') + 1], `lab-${i}`);
      assert.equal(cmd[cmd.indexOf('--seed') + 1], String(10 + i));
    });
  });

  test('role:=learner and role:=actors split the fleet over hosts', () => {
    const learnerHost = actions(['role:=learner', 'actors:=4']);
    assert.deepEqual(learnerHost.map(program), ['learner']);
    const actorHost = actions(['role:=actors', 'actors:=4']);
    assert.deepEqual(actorHost.map(program), ['actor', 'actor', 'actor', 'actor']);
  });

  test('a bad role or actor count is refused by name', () => {
    const rec = recordLaunchFiles([PATH], ['role:=both'])[FILE];
    const errors = [rec?.error, ...(rec?.actions ?? []).map((a) => a.error)].join(' ');
    assert.match(errors, /role:='both'/);
  });
});
