/**
 * Taking a learner's PolicyParameters message (issue 17): decoded, then refused when it is of
 * another robot or task (ExperienceIdentity, compared as the learner compares chunks) or of another
 * network shape (its flat parameter count). One check for every node that follows a learner: the
 * actor node and the policy node in explore mode.
 */
import type { ExperienceIdentity, PolicySnapshot } from '../../learn/index.js';
import { identityDifference } from '../../learn/index.js';
import { decodePolicyParameters } from '../transport/index.js';

/** A snapshot that may be applied, or why not (one line for the log). */
export type ReceivedSnapshot =
  | { readonly ok: true; readonly snapshot: PolicySnapshot; readonly learnerId: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Decode and check one PolicyParameters message against the receiver's identity and network.
 * @param receiver how the log names the receiver's network ('this actor', 'this node').
 */
export function receiveSnapshot(
  bytes: Uint8Array,
  identity: ExperienceIdentity,
  parameterCount: number,
  receiver: string,
): ReceivedSnapshot {
  let message: ReturnType<typeof decodePolicyParameters>;
  try {
    message = decodePolicyParameters(bytes);
  } catch (err) {
    return {
      ok: false,
      reason: `malformed parameters: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const { snapshot, learnerId } = message;
  // Worded from the learner's side: "task '<the receiver's>' (learner has '<the snapshot's>')".
  const mismatch = identityDifference(snapshot.identity, identity);
  if (mismatch !== null)
    return { ok: false, reason: `parameters of learner '${learnerId}' refused: ${mismatch}` };
  if (snapshot.policyParams.length !== parameterCount)
    return {
      ok: false,
      reason: `parameters of learner '${learnerId}' refused: ${snapshot.policyParams.length} policy parameters, ${receiver}'s network has ${parameterCount} (another policy config)`,
    };
  return { ok: true, snapshot, learnerId };
}
