// The canonical encoding of a ledger entry and its hash (docs/ledger.md).
//
// The hash of an entry is the lowercase hex sha256 of the UTF-8 bytes of one line, with no
// trailing newline, made of these fields joined by "|" (an absent value is the empty
// string; numbers in plain decimal; created_at as ISO 8601 UTC with milliseconds):
//
//   terridata-ledger-v1|id|subject_type|subject_id|seq|requested_delta|effective_delta|
//   balance_after|reason|ref_type|ref_id|actor_id|reverses_entry_id|created_at|prev_hash
//
// prev_hash is the hash of the same subject's previous entry (seq - 1), or 64 zeros for
// seq 1. The database's CHECK constraints keep "|" and newlines out of every field, so the
// line is unambiguous; every field is ASCII.
import { createHash } from 'node:crypto';

export const CHAIN_FORMAT = 'terridata-ledger-v1';
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainFields {
  id: number;
  subjectType: string;
  subjectId: string;
  seq: number;
  requestedDelta: number;
  effectiveDelta: number;
  balanceAfter: number;
  reason: string;
  refType: string | null;
  refId: string | null;
  actorId: string | null;
  reversesEntryId: number | null;
  /** ISO 8601 UTC with milliseconds, e.g. 2026-11-27T10:15:00.123Z */
  createdAt: string;
  prevHash: string;
}

const s = (v: string | number | null) => (v === null ? '' : String(v));

export function canonicalLine(e: ChainFields): string {
  return [
    CHAIN_FORMAT,
    e.id,
    e.subjectType,
    e.subjectId,
    e.seq,
    e.requestedDelta,
    e.effectiveDelta,
    e.balanceAfter,
    e.reason,
    e.refType,
    e.refId,
    e.actorId,
    e.reversesEntryId,
    e.createdAt,
    e.prevHash,
  ]
    .map(s)
    .join('|');
}

export function entryHash(e: ChainFields): string {
  return createHash('sha256').update(canonicalLine(e), 'utf8').digest('hex');
}

/** One line of a checkpoint digest: a chain head. */
export function checkpointLine(h: { subjectType: string; subjectId: string; seq: number; hash: string }): string {
  return `${h.subjectType}|${h.subjectId}|${h.seq}|${h.hash}\n`;
}
