/**
 * Whether two ExperienceIdentity values name the same robot and task (the actor's check of the
 * parameters it receives; the learner checks chunks itself in `offer`).
 */
import type { ExperienceIdentity } from '../../learn/index.js';

/** The first difference between `expected` (ours) and `got`, in words, or null when they agree. */
export function identityMismatch(
  expected: ExperienceIdentity,
  got: ExperienceIdentity,
): string | null {
  for (const key of [
    'robotName',
    'modelHash',
    'task',
    'taskParams',
    'obsSize',
    'actionSize',
  ] as const) {
    if (expected[key] !== got[key])
      return `${key} '${String(got[key])}' (this node has '${String(expected[key])}')`;
  }
  if (
    expected.jointNames.length !== got.jointNames.length ||
    expected.jointNames.some((name, i) => name !== got.jointNames[i])
  )
    return `jointNames [${got.jointNames.join(', ')}] (this node has [${expected.jointNames.join(', ')}])`;
  return null;
}
