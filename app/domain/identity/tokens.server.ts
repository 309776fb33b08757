// Single-use emailed tokens: the link holds a random token, the table its sha256.
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { DB } from '#db/client';

export type TokenPurpose = 'verify_email' | 'reset_password';

export const TOKEN_LIFETIME_MS: Record<TokenPurpose, number> = {
  verify_email: 24 * 3_600_000,
  reset_password: 3_600_000,
};

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createEmailToken(
  trx: DB,
  userId: string,
  purpose: TokenPurpose,
  email: string,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  // A new link replaces the earlier unused ones of the same purpose.
  await trx
    .updateTable('email_token')
    .set({ used_at: sql`now()` })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute();
  await trx
    .insertInto('email_token')
    .values({
      token_hash: hashToken(token),
      user_id: userId,
      purpose,
      email,
      expires_at: new Date(Date.now() + TOKEN_LIFETIME_MS[purpose]),
    })
    .execute();
  return token;
}

/** Marks the token used and returns it, or null if unknown, used, expired or of another purpose. */
export async function consumeEmailToken(
  trx: DB,
  token: string,
  purpose: TokenPurpose,
): Promise<{ userId: string; email: string } | null> {
  const row = await trx
    .updateTable('email_token')
    .set({ used_at: sql`now()` })
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['user_id', 'email'])
    .executeTakeFirst();
  return row ? { userId: row.user_id, email: row.email } : null;
}

/** True when the token could still be used (for showing the form before it is submitted). */
export async function emailTokenIsValid(
  db: DB,
  token: string,
  purpose: TokenPurpose,
): Promise<boolean> {
  const row = await db
    .selectFrom('email_token')
    .select('token_hash')
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return Boolean(row);
}
