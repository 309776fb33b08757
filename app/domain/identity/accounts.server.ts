// Account life: sign-up with email verification, sign-in (rate-limited, with lockout),
// password reset, profile, email change. Routes translate the result codes.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { sendEmail } from '../email/outbox.server';
import { currentTermsVersion } from '../legal/legal.server';
import { consumeRateLimit, resetRateLimit } from '../security/rate-limit.server';
import { hashPassword, verifyPassword } from './passwords.server';
import { destroyAllSessions } from './session.server';
import { consumeEmailToken, createEmailToken } from './tokens.server';

export interface Mailing {
  /** Absolute origin for links in emails (PUBLIC_URL or the request's origin). */
  baseUrl: string;
  locale: string;
}

type FieldErrorResult<F extends string> = { ok: false; field: F; code: string };

const emailTaken = async (db: DB, email: string, exceptUserId?: string) => {
  let q = db
    .selectFrom('users')
    .select('id')
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('deleted_at', 'is', null);
  if (exceptUserId) q = q.where('id', '!=', exceptUserId);
  return Boolean(await q.executeTakeFirst());
};

const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === '23505';

export async function signUp(
  db: DB,
  input: { email: string; password: string; pseudonym: string },
  mailing: Mailing,
): Promise<{ ok: true; userId: string } | FieldErrorResult<'email'>> {
  if (await emailTaken(db, input.email)) return { ok: false, field: 'email', code: 'emailTaken' };
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction().execute(async (trx) => {
      const termsVersion = await currentTermsVersion(trx);
      const user = await trx
        .insertInto('users')
        .values({
          email: input.email,
          password_hash: passwordHash,
          pseudonym: input.pseudonym,
          locale: mailing.locale === 'en' ? 'en' : 'fr',
          terms_version: termsVersion,
          terms_accepted_at: sql`now()`,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await sendVerification(trx, user.id, input.email, input.pseudonym, mailing);
      return { ok: true as const, userId: user.id };
    });
  } catch (e) {
    if (isUniqueViolation(e)) return { ok: false, field: 'email', code: 'emailTaken' };
    throw e;
  }
}

async function sendVerification(
  trx: DB,
  userId: string,
  email: string,
  pseudonym: string,
  mailing: Mailing,
) {
  const token = await createEmailToken(trx, userId, 'verify_email', email);
  await sendEmail(trx, {
    to: email,
    userId,
    template: 'verify_email',
    locale: mailing.locale,
    params: { pseudonym, url: `${mailing.baseUrl}/verifier-email/${token}` },
  });
}

export type VerifyEmailResult =
  | { ok: true; userId: string; changed: boolean }
  | { ok: false; code: 'invalidLink' | 'emailTaken' };

/** Confirms an address: the first one, or a new one asked for from the account page. */
export async function verifyEmail(db: DB, token: string): Promise<VerifyEmailResult> {
  return db.transaction().execute(async (trx) => {
    const t = await consumeEmailToken(trx, token, 'verify_email');
    if (!t) return { ok: false, code: 'invalidLink' } as const;
    const user = await trx
      .selectFrom('users')
      .select(['email', 'pending_email'])
      .where('id', '=', t.userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!user) return { ok: false, code: 'invalidLink' } as const;
    if (user.email.toLowerCase() === t.email.toLowerCase()) {
      await trx
        .updateTable('users')
        .set({ email_verified_at: sql`coalesce(email_verified_at, now())` })
        .where('id', '=', t.userId)
        .execute();
      return { ok: true, userId: t.userId, changed: false } as const;
    }
    if (user.pending_email?.toLowerCase() !== t.email.toLowerCase())
      return { ok: false, code: 'invalidLink' } as const;
    if (await emailTaken(trx, t.email, t.userId)) return { ok: false, code: 'emailTaken' } as const;
    await trx
      .updateTable('users')
      .set({
        email: t.email,
        pending_email: null,
        email_verified_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where('id', '=', t.userId)
      .execute();
    return { ok: true, userId: t.userId, changed: true } as const;
  });
}

// Sign-in throttling: 10 failures on one account within a minute lock it for 15 minutes,
// whether or not the account exists (the key is the address typed); 30 attempts a minute
// per IP address.
export const SIGN_IN_LIMITS = {
  failuresPerAccount: 10,
  failureWindowSeconds: 60,
  lockSeconds: 900,
  perIpPerMinute: 30,
};

const failKey = (email: string) => `signin-fail:${email.toLowerCase()}`;
const lockKey = (email: string) => `signin-lock:${email.toLowerCase()}`;

async function lockedFor(db: DB, email: string): Promise<number> {
  const r = await sql<{ remaining: number }>`
    select ceil(extract(epoch from window_start + make_interval(secs => ${SIGN_IN_LIMITS.lockSeconds}) - now()))::int as remaining
    from rate_limit where key = ${lockKey(email)}`.execute(db);
  const remaining = r.rows[0]?.remaining ?? 0;
  return remaining > 0 ? remaining : 0;
}

export type SignInResult =
  | { ok: true; userId: string; secondFactor: boolean; termsOutdated: boolean; locale: string }
  | {
      ok: false;
      code: 'invalidCredentials' | 'tooManyAttempts' | 'emailNotVerified';
      retryAfter?: number;
    };

export async function signIn(
  db: DB,
  input: { email: string; password: string; ip: string },
  mailing: Mailing,
): Promise<SignInResult> {
  const ipLimit = await consumeRateLimit(db, `signin-ip:${input.ip}`, {
    limit: SIGN_IN_LIMITS.perIpPerMinute,
    windowSeconds: 60,
  });
  if (!ipLimit.allowed)
    return { ok: false, code: 'tooManyAttempts', retryAfter: ipLimit.retryAfter };
  const locked = await lockedFor(db, input.email);
  if (locked) return { ok: false, code: 'tooManyAttempts', retryAfter: locked };

  const user = await db
    .selectFrom('users')
    .select([
      'id',
      'email',
      'pseudonym',
      'locale',
      'password_hash',
      'email_verified_at',
      'totp_enabled_at',
      'is_demo',
      'terms_version',
    ])
    .where(sql<string>`lower(email)`, '=', input.email.toLowerCase())
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  const good = await verifyPassword(user?.password_hash ?? null, input.password);
  if (!user || !good) {
    const fails = await consumeRateLimit(db, failKey(input.email), {
      limit: SIGN_IN_LIMITS.failuresPerAccount,
      windowSeconds: SIGN_IN_LIMITS.failureWindowSeconds,
    });
    if (fails.hits >= SIGN_IN_LIMITS.failuresPerAccount) {
      await sql`insert into rate_limit (key, window_start, hits) values (${lockKey(input.email)}, now(), 1)
        on conflict (key) do update set window_start = now(), hits = rate_limit.hits + 1`.execute(
        db,
      );
      await resetRateLimit(db, failKey(input.email));
    }
    return { ok: false, code: 'invalidCredentials' };
  }
  await resetRateLimit(db, failKey(input.email));
  if (!user.email_verified_at) {
    // Send a fresh link, at most once every 10 minutes.
    const resend = await consumeRateLimit(db, `verify-resend:${user.id}`, {
      limit: 1,
      windowSeconds: 600,
    });
    if (resend.allowed)
      await db
        .transaction()
        .execute((trx) =>
          sendVerification(trx, user.id, user.email, user.pseudonym, {
            ...mailing,
            locale: user.locale,
          }),
        );
    return { ok: false, code: 'emailNotVerified' };
  }
  const terms = await currentTermsVersion(db);
  return {
    ok: true,
    userId: user.id,
    secondFactor: user.totp_enabled_at !== null && !user.is_demo,
    termsOutdated: (user.terms_version ?? 0) < terms,
    locale: user.locale,
  };
}

/** Always the same answer to the visitor; an email only if the account exists. */
export async function requestPasswordReset(
  db: DB,
  email: string,
  mailing: Mailing,
  ip: string,
): Promise<void> {
  const perIp = await consumeRateLimit(db, `reset-ip:${ip}`, { limit: 20, windowSeconds: 3600 });
  const perAccount = await consumeRateLimit(db, `reset-acct:${email.toLowerCase()}`, {
    limit: 3,
    windowSeconds: 3600,
  });
  if (!perIp.allowed || !perAccount.allowed) return;
  await db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select(['id', 'email', 'pseudonym', 'locale'])
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!user) return;
    const token = await createEmailToken(trx, user.id, 'reset_password', user.email);
    await sendEmail(trx, {
      to: user.email,
      userId: user.id,
      template: 'reset_password',
      locale: user.locale,
      params: { pseudonym: user.pseudonym, url: `${mailing.baseUrl}/reinitialiser/${token}` },
    });
  });
}

/** Sets a new password from a reset link (single use, 1 hour); every session ends. */
export async function resetPassword(
  db: DB,
  token: string,
  password: string,
): Promise<{ ok: true; userId: string } | { ok: false }> {
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const t = await consumeEmailToken(trx, token, 'reset_password');
    if (!t) return { ok: false } as const;
    const r = await trx
      .updateTable('users')
      .set({
        password_hash: passwordHash,
        // The link reached the address: it is verified.
        email_verified_at: sql`coalesce(email_verified_at, now())`,
        updated_at: sql`now()`,
      })
      .where('id', '=', t.userId)
      .where('deleted_at', 'is', null)
      .where(sql<string>`lower(email)`, '=', t.email.toLowerCase())
      .executeTakeFirst();
    if (!Number(r.numUpdatedRows)) return { ok: false } as const;
    await destroyAllSessions(trx, t.userId);
    await resetRateLimit(trx, lockKey(t.email));
    return { ok: true, userId: t.userId } as const;
  });
}

async function checkPassword(db: DB, userId: string, password: string): Promise<boolean> {
  const u = await db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirst();
  return verifyPassword(u?.password_hash ?? null, password);
}

export async function changePassword(
  db: DB,
  userId: string,
  input: { current: string; password: string },
  keepSessionHash: string,
): Promise<{ ok: true } | FieldErrorResult<'current'>> {
  if (!(await checkPassword(db, userId, input.current)))
    return { ok: false, field: 'current', code: 'wrongPassword' };
  const passwordHash = await hashPassword(input.password);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: sql`now()` })
      .where('id', '=', userId)
      .execute();
    await destroyAllSessions(trx, userId, keepSessionHash);
  });
  return { ok: true };
}

export async function updateProfile(
  db: DB,
  userId: string,
  input: { pseudonym: string; locale: 'fr' | 'en' },
): Promise<void> {
  await db
    .updateTable('users')
    .set({ pseudonym: input.pseudonym, locale: input.locale, updated_at: sql`now()` })
    .where('id', '=', userId)
    .execute();
}

/** Asks for a new address; it replaces the current one once its link is opened. */
export async function requestEmailChange(
  db: DB,
  userId: string,
  input: { email: string; password: string },
  mailing: Mailing,
): Promise<{ ok: true } | FieldErrorResult<'email' | 'password'>> {
  if (!(await checkPassword(db, userId, input.password)))
    return { ok: false, field: 'password', code: 'wrongPassword' };
  if (await emailTaken(db, input.email)) return { ok: false, field: 'email', code: 'emailTaken' };
  await db.transaction().execute(async (trx) => {
    const u = await trx
      .updateTable('users')
      .set({ pending_email: input.email, updated_at: sql`now()` })
      .where('id', '=', userId)
      .returning(['pseudonym'])
      .executeTakeFirstOrThrow();
    await sendVerification(trx, userId, input.email, u.pseudonym, mailing);
  });
  return { ok: true };
}

export async function getAccount(db: DB, userId: string) {
  return db
    .selectFrom('users')
    .select([
      'id',
      'email',
      'pending_email',
      'pseudonym',
      'locale',
      'email_verified_at',
      'created_at',
      'is_demo',
      'totp_enabled_at',
      'is_admin',
      'terms_version',
    ])
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export { checkPassword };
