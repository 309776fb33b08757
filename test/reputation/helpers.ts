// Helpers for the reputation tests: accounts of a given age, appends in their own
// transaction, and the ledger:verify CLI run as a child process against a test database.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DB } from '../../db/client';
import { appendLedgerEntry } from '../../app/domain/reputation/ledger.server';
import type { AppendInput, LedgerEntry } from '../../app/domain/reputation/ledger.server';

export async function createUser(db: DB, opts: { ageDays?: number; pseudonym?: string } = {}): Promise<string> {
  const tag = randomBytes(4).toString('hex');
  const row = await db
    .insertInto('users')
    .values({
      email: `rep-${tag}@example.test`,
      pseudonym: opts.pseudonym ?? `rep-${tag}`,
      email_verified_at: new Date(),
      created_at: sql<Date>`now() - make_interval(days => ${opts.ageDays ?? 30})`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export const newSubject = (type: 'user' | 'organization' = 'user') => ({ type, id: randomUUID() });

export function append(db: DB, input: AppendInput): Promise<LedgerEntry> {
  return db.transaction().execute((trx) => appendLedgerEntry(trx, input));
}

/** Runs the ledger:verify script (as `npm run ledger:verify` does) against the database at `url`. */
export function runLedgerVerify(url: string, args: string[] = []): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/ledger-verify.ts', ...args], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    proc.on('exit', (code) => resolve({ code, out }));
  });
}
