// Detection of two accounts confirming each other's observations, over ledger entries
// (confirmation_received: subject = the observation's author, actor = the confirmer).
// Pure: the server side feeds it entries and stores what it finds as flags for admins.
import { MUTUAL_CONFIRMATION_LIMIT, MUTUAL_CONFIRMATION_WINDOW_DAYS } from './rules';

export interface ConfirmationEntry {
  entryId: number;
  /** The observation's author, credited. */
  subjectId: string;
  /** The confirmer. */
  actorId: string;
  createdAt: Date;
  ref: { type: string; id: string } | null;
}

export interface MutualConfirmation {
  /** The two accounts, userA < userB. */
  userA: string;
  userB: string;
  /** Confirmations between them inside the window (both directions). */
  confirmations: number;
  windowStart: Date;
  windowEnd: Date;
  /** The entries inside the window, for a bulk reversal. */
  entryIds: number[];
}

/**
 * Pairs of accounts that confirmed each other (each at least once) more than `limit` times
 * in total within any `windowDays`-day window. For each pair, the busiest window is kept.
 */
export function detectMutualConfirmations(
  entries: readonly ConfirmationEntry[],
  { limit = MUTUAL_CONFIRMATION_LIMIT, windowDays = MUTUAL_CONFIRMATION_WINDOW_DAYS } = {},
): MutualConfirmation[] {
  const windowMs = windowDays * 86_400_000;
  const pairs = new Map<string, ConfirmationEntry[]>();
  for (const e of entries) {
    if (e.subjectId === e.actorId) continue;
    const key = e.subjectId < e.actorId ? `${e.subjectId}|${e.actorId}` : `${e.actorId}|${e.subjectId}`;
    const list = pairs.get(key) ?? [];
    list.push(e);
    pairs.set(key, list);
  }
  const found: MutualConfirmation[] = [];
  for (const [key, list] of pairs) {
    const [userA, userB] = key.split('|') as [string, string];
    list.sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || x.entryId - y.entryId);
    let best: MutualConfirmation | null = null;
    let start = 0;
    for (let end = 0; end < list.length; end++) {
      const endTime = list[end]!.createdAt.getTime();
      while (endTime - list[start]!.createdAt.getTime() >= windowMs) start++;
      const inWindow = list.slice(start, end + 1);
      const aToB = inWindow.filter((e) => e.actorId === userA).length;
      const bToA = inWindow.length - aToB;
      if (inWindow.length > limit && aToB > 0 && bToA > 0 && (!best || inWindow.length > best.confirmations)) {
        best = {
          userA,
          userB,
          confirmations: inWindow.length,
          windowStart: inWindow[0]!.createdAt,
          windowEnd: inWindow[inWindow.length - 1]!.createdAt,
          entryIds: inWindow.map((e) => e.entryId),
        };
      }
    }
    if (best) found.push(best);
  }
  return found;
}
