// The one state machine of contributions (datasets, dataset updates, observations), as an
// explicit table: from which states each action may fire, the state it leads to, and who
// may fire it. Pure data and functions, safe for the browser; the transaction that applies
// a transition lives in transitions.server.ts.

export const contributionStates = [
  'draft',
  'submitted',
  'in_review',
  'second_review',
  'approved',
  'rejected',
  'changes_requested',
  'withdrawn',
  'published',
  'retracted',
] as const;
export type ContributionState = (typeof contributionStates)[number];

export const contributionActions = [
  'submit',
  'claim',
  'release',
  'expire_claim',
  'approve',
  'reject',
  'request_changes',
  'resubmit',
  'withdraw',
  'auto_approve',
  'publish',
  'retract',
] as const;
export type ContributionAction = (typeof contributionActions)[number];

/** Who fires an action: the contributor, the moderator holding the claim, a moderator in
 * scope, an admin, or the system (jobs, privileges, time). */
export type Actor = 'contributor' | 'holder' | 'moderator' | 'admin' | 'system';

export interface Transition {
  action: ContributionAction;
  from: readonly ContributionState[];
  /** The target state; `claimed_from` means "back to where the claim was taken from". */
  to: ContributionState | 'claimed_from' | 'approve_outcome';
  by: readonly Actor[];
  /** A reason code and a comment are required (reject), or a comment alone (request changes). */
  requires?: 'reason_and_comment' | 'comment';
}

export const transitions: readonly Transition[] = [
  { action: 'submit', from: ['draft'], to: 'submitted', by: ['contributor'] },
  { action: 'claim', from: ['submitted', 'second_review'], to: 'in_review', by: ['moderator'] },
  { action: 'release', from: ['in_review'], to: 'claimed_from', by: ['holder', 'admin'] },
  { action: 'expire_claim', from: ['in_review'], to: 'claimed_from', by: ['system'] },
  // approved, or second_review when the item holds personal data and has its first approval
  { action: 'approve', from: ['in_review'], to: 'approve_outcome', by: ['holder'] },
  { action: 'reject', from: ['in_review'], to: 'rejected', by: ['holder'], requires: 'reason_and_comment' },
  { action: 'request_changes', from: ['in_review'], to: 'changes_requested', by: ['holder'], requires: 'comment' },
  { action: 'resubmit', from: ['changes_requested'], to: 'submitted', by: ['contributor'] },
  { action: 'withdraw', from: ['submitted', 'changes_requested'], to: 'withdrawn', by: ['contributor'] },
  { action: 'auto_approve', from: ['submitted'], to: 'approved', by: ['system'] },
  { action: 'publish', from: ['approved'], to: 'published', by: ['system'] },
  { action: 'retract', from: ['published'], to: 'retracted', by: ['moderator', 'admin'] },
];

export const rejectionReasons = [
  'out_of_scope',
  'duplicate',
  'poor_quality',
  'personal_data',
  'licence_problem',
  'spam',
  'other',
] as const;
export type RejectionReason = (typeof rejectionReasons)[number];

export function transitionFor(action: ContributionAction): Transition {
  const t = transitions.find((x) => x.action === action);
  if (!t) throw new Error(`unknown action ${action}`);
  return t;
}

/** Is `action` legal from `state` (whoever asks)? */
export function isLegal(state: ContributionState, action: ContributionAction): boolean {
  return transitionFor(action).from.includes(state);
}

/** Actions legal from a state, for screens that offer them. */
export function actionsFrom(state: ContributionState): ContributionAction[] {
  return transitions.filter((t) => t.from.includes(state)).map((t) => t.action);
}

export const terminalStates: readonly ContributionState[] = ['rejected', 'withdrawn', 'retracted'];
/** States in which the contributor may still edit the working revision. */
export const editableStates: readonly ContributionState[] = ['draft', 'changes_requested'];
