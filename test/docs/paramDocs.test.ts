/**
 * The generated parameter reference (docs/ros-node-parameters.md) must equal what
 * scripts/genParamDocs.ts renders from the nodes' declarations today: a parameter added, removed
 * or changed in code without `npm run docs:params` fails here. Also checks that the page carries
 * every declared field, and that `--check` exits 1 with a diff on a stale page.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  NODE_SECTIONS,
  PARAM_DOCS_PAGE,
  lineDiff,
  renderParameterDocs,
  staleMessage,
} from '../../scripts/genParamDocs.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'genParamDocs.ts');

/** The table row of one parameter in one node's section of the page. */
function rowOf(page: string, sectionTitle: string, name: string): string[] {
  const start = page.indexOf(`## ${sectionTitle}:`);
  assert.ok(start >= 0, `section '${sectionTitle}' missing`);
  const end = page.indexOf('\n## ', start + 1);
  const section = page.slice(start, end < 0 ? undefined : end);
  const line = section.split('\n').find((l) => l.startsWith(`| \`${name}\` `));
  assert.ok(line !== undefined, `row of '${name}' missing in '${sectionTitle}'`);
  return line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim());
}

describe('docs/ros-node-parameters.md', () => {
  test('the committed page is what the generator renders (run `npm run docs:params`)', async () => {
    const committed = readFileSync(join(ROOT, PARAM_DOCS_PAGE), 'utf8');
    const generated = await renderParameterDocs();
    assert.equal(staleMessage(PARAM_DOCS_PAGE, committed, generated), undefined);
  });

  test('every declared parameter has a row with its type, default, range, read-only and description', async () => {
    const page = await renderParameterDocs();
    assert.deepEqual(
      NODE_SECTIONS.map((s) => s.nodeName),
      ['torquepilot_policy', 'torquepilot_sim_robot', 'torquepilot_trainer'],
    );
    for (const section of NODE_SECTIONS) {
      assert.ok(section.parameters.length > 0, section.title);
      for (const p of section.parameters) {
        const [name, type, def, constraint, readOnly, description] = rowOf(
          page,
          section.title,
          p.name,
        );
        assert.equal(name, `\`${p.name}\``);
        assert.equal(type, p.type);
        const expectedDefault = p.default === '' ? "''" : String(p.default);
        assert.equal(def, `\`${expectedDefault}\``, `${p.name} default`);
        if (p.range !== undefined) {
          assert.equal(constraint, `[${p.range.from}, ${p.range.to}]`, `${p.name} range`);
        } else if (p.choices !== undefined) {
          assert.equal(
            constraint,
            p.choices.map((c) => `\`${c}\``).join(', '),
            `${p.name} choices`,
          );
        } else {
          assert.equal(constraint, '', `${p.name} has no constraint`);
        }
        assert.equal(readOnly, p.readOnly ? 'yes' : 'no', `${p.name} read-only`);
        assert.equal(description?.replace(/\\</g, '<'), p.description, `${p.name} description`);
      }
    }
  });

  test('lineDiff marks removed and added lines, and nothing for equal text', () => {
    assert.deepEqual(lineDiff('a\nb\nc', 'a\nb\nc'), []);
    assert.deepEqual(lineDiff('a\nb\nc', 'a\nB\nc'), ['-2: b', '+2: B']);
    assert.deepEqual(lineDiff('a\nc', 'a\nb\nc'), ['+2: b']);
    assert.deepEqual(lineDiff('a\nb\nc', 'a\nc'), ['-2: b']);
  });

  test('--check exits 0 on the current page and 1 with a diff on a stale one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'torquepilot-paramdocs-'));
    try {
      const page = join(dir, 'params.md');
      const current = await renderParameterDocs();
      const run = () =>
        spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, '--check', '--file', page], {
          cwd: ROOT,
          encoding: 'utf8',
        });
      writeFileSync(page, current);
      const ok = run();
      assert.equal(ok.status, 0, ok.stderr);

      const stale = current.replace('| `torque_scale` ', '| `torque_scaling` ');
      assert.notEqual(stale, current);
      writeFileSync(page, stale);
      const bad = run();
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /is stale/);
      assert.match(bad.stderr, /npm run docs:params/);
      assert.match(bad.stderr, /^-\d+: \| `torque_scaling` /m);
      assert.match(bad.stderr, /^\+\d+: \| `torque_scale` /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
