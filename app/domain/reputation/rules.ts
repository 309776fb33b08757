// The rules of the reputation ledger, in one table: what each event is worth, which events
// are "small" (capped per day), the privileges a balance grants, and the anti-gaming limits.
// Changing a value here changes future entries only: past entries keep the delta they were
// written with (the chain hashes them).

export const subjectTypes = ['user', 'organization'] as const;
export type SubjectType = (typeof subjectTypes)[number];

/** What an entry can point at as its cause (ref_type). */
export const refTypes = [
  'contribution',
  'observation',
  'confirmation',
  'reuse',
  'dataset',
  'obligation',
  'reputation_flag',
] as const;
export type RefType = (typeof refTypes)[number];

export interface EarningRule {
  /** Points per unit (negative for penalties). */
  delta: number;
  /** Small events share a daily cap (DAILY_SMALL_CAP). */
  small: boolean;
  /** Who may be credited. */
  subjects: readonly SubjectType[];
  /** At most this many credited entries with the same reason and ref for one subject. */
  maxPerRef?: number;
  /** The caller may pass a positive multiple of `delta` (e.g. 300 downloads = 3 units). */
  perUnit?: boolean;
}

const both = ['user', 'organization'] as const;

export const EARNING_RULES = {
  /** Dataset contribution approved: the person, and the organisation they acted for. */
  dataset_contribution_approved: { delta: 25, small: false, subjects: both },
  dataset_update_approved: { delta: 10, small: false, subjects: both },
  observation_published: { delta: 2, small: false, subjects: both },
  /** Each confirmation an observation receives, credited to its author (actor = confirmer). */
  confirmation_received: { delta: 1, small: true, subjects: both, maxPerRef: 5 },
  /** Confirming an observation that is later published, credited to the confirmer. */
  confirmation_published: { delta: 1, small: true, subjects: ['user'] },
  rejected_spam: { delta: -20, small: false, subjects: both },
  rejected_other: { delta: -2, small: false, subjects: both },
  /** A reuse of your data was declared (once per reuse and publisher: app/domain/reuses). */
  reuse_declared: { delta: 5, small: false, subjects: both, maxPerRef: 1 },
  /** Each 100 downloads of your data. */
  downloads_100: { delta: 1, small: true, subjects: both, perUnit: true },
  obligation_on_time: { delta: 15, small: false, subjects: ['organization'] },
} as const satisfies Record<string, EarningRule>;

export type EarningReason = keyof typeof EARNING_RULES;
export const earningReasons = Object.keys(EARNING_RULES) as EarningReason[];

/**
 * Reasons of compensating entries. A reversal credits the opposite of the reversed entry's
 * effective delta (clamped at the floor); its reason says why, so the ledger audits itself.
 */
export const REVERSAL_REASONS = {
  /** The item that earned the credit was retracted (moderation). */
  reversal_retraction: { bulk: false },
  /** An admin reversed credits of two accounts confirming each other (reputation_flag). */
  reversal_mutual_confirmation: { bulk: true },
  /** An admin corrected an entry written in error (or overturned a penalty). */
  reversal_correction: { bulk: false },
} as const;
export type ReversalReason = keyof typeof REVERSAL_REASONS;
export const reversalReasons = Object.keys(REVERSAL_REASONS) as ReversalReason[];

export type LedgerReason = EarningReason | ReversalReason;
export const ledgerReasons: readonly LedgerReason[] = [...earningReasons, ...reversalReasons];

export function isEarningReason(r: string): r is EarningReason {
  return Object.hasOwn(EARNING_RULES, r);
}
export function isReversalReason(r: string): r is ReversalReason {
  return Object.hasOwn(REVERSAL_REASONS, r);
}

/** Daily cap, in points, on the small events together (confirmations, downloads). */
export const DAILY_SMALL_CAP = 200;
/** The day of the cap is the calendar day in this time zone. */
export const CAP_TIME_ZONE = 'Europe/Paris';
/** A balance never goes below this. */
export const BALANCE_FLOOR = 0;

// Anti-gaming.
/** Confirmations by accounts younger than this earn nothing (for anyone). */
export const MIN_CONFIRMER_ACCOUNT_AGE_DAYS = 7;
/** Two accounts confirming each other more than this many times within the window are flagged. */
export const MUTUAL_CONFIRMATION_LIMIT = 5;
export const MUTUAL_CONFIRMATION_WINDOW_DAYS = 7;

export const PRIVILEGES = [
  /** Observations published at once, sampled for after-the-fact review. */
  { key: 'trusted_observer', threshold: 50, subjects: both },
  /** Their confirmations weigh 2 in an observation's quality grade. */
  { key: 'double_confirmation', threshold: 200, subjects: ['user'] },
  /** Dataset updates published at once, reviewed after the fact. */
  { key: 'organization_fast_track', threshold: 500, subjects: ['organization'] },
] as const satisfies readonly { key: string; threshold: number; subjects: readonly SubjectType[] }[];

export type PrivilegeKey = (typeof PRIVILEGES)[number]['key'];

export interface Privileges {
  balance: number;
  /** Privileges held now (derived from the balance: falling below a threshold removes it). */
  held: PrivilegeKey[];
  /** The next privilege within reach, and the points still missing. */
  next: { key: PrivilegeKey; threshold: number; missing: number } | null;
}

export function privilegesOf(balance: number, subjectType?: SubjectType): Privileges {
  const applicable = PRIVILEGES.filter((p) => !subjectType || (p.subjects as readonly SubjectType[]).includes(subjectType));
  const held = applicable.filter((p) => balance >= p.threshold).map((p) => p.key);
  const upcoming = applicable.filter((p) => balance < p.threshold).sort((a, b) => a.threshold - b.threshold)[0];
  return {
    balance,
    held,
    next: upcoming ? { key: upcoming.key, threshold: upcoming.threshold, missing: upcoming.threshold - balance } : null,
  };
}
