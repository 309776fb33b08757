// The verification recipe shown on /registre/verifier: a POSIX shell script using only jq
// and sha256sum that checks a chain exported as JSON from /registre/:type/:id/export.json.
// The page shows this very text, and a test runs it against a real export, so the
// explanation cannot drift from what works. Browser-safe (plain strings).

/** The jq program that rebuilds each entry's canonical line (docs/ledger.md). */
export const JQ_CANONICAL_LINE =
  '["terridata-ledger-v1", .id, .subject_type, .subject_id, .seq, .requested_delta, .effective_delta, .balance_after, .reason, .ref_type, .ref_id, .actor_id, .reverses_entry_id, .created_at, .prev_hash] | map(if . == null then "" else tostring end) | join("|")';

export const VERIFY_SCRIPT = `#!/bin/sh
# verifier-registre.sh — checks a terridata ledger chain exported as JSON.
# Usage: sh verifier-registre.sh registre.json
# Needs only jq and sha256sum (coreutils).
set -eu
jq -r '.entries[] | [(${JQ_CANONICAL_LINE}), .prev_hash, .hash, (.seq | tostring), (.effective_delta | tostring), (.balance_after | tostring)] | .[]' "$1" | {
  prev=0000000000000000000000000000000000000000000000000000000000000000
  balance=0
  n=0
  while IFS= read -r line && read -r prev_hash && read -r hash && read -r seq && read -r delta && read -r after; do
    n=$((n + 1))
    [ "$seq" = "$n" ] || { echo "BROKEN at seq $seq: expected seq $n (missing or reordered entries)"; exit 1; }
    [ "$prev_hash" = "$prev" ] || { echo "BROKEN at seq $seq: prev_hash does not match the hash of the previous entry"; exit 1; }
    computed=$(printf '%s' "$line" | sha256sum | cut -d' ' -f1)
    [ "$computed" = "$hash" ] || { echo "BROKEN at seq $seq: content does not match its hash"; exit 1; }
    balance=$((balance + delta))
    [ "$balance" = "$after" ] && [ "$balance" -ge 0 ] || { echo "BROKEN at seq $seq: balance $balance, entry says $after"; exit 1; }
    prev=$hash
  done
  echo "OK: $n entries, balance $balance, head $prev"
}
`;

/** Finding a subject's head in a published checkpoint file, to compare with the script's output. */
export const CHECKPOINT_LOOKUP = `jq -r --arg id "SUBJECT_ID" '.heads[] | select(.subject_id == $id) | "seq \\(.seq) head \\(.hash)"' checkpoint.json`;

/** Recomputing a checkpoint's digest from its heads. */
export const CHECKPOINT_DIGEST = `jq -r '.heads[] | "\\(.subject_type)|\\(.subject_id)|\\(.seq)|\\(.hash)"' checkpoint.json | sha256sum`;
