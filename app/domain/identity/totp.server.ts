// Second factor: TOTP (RFC 6238, otplib) with single-use recovery codes. Required of
// moderators and admins before they use their role (demo accounts excepted).
import { createHash, randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendAuditLog } from '../admin/audit.server';

const RECOVERY_CODES = 10;
const hashCode = (code: string) =>
  createHash('sha256').update(code.toLowerCase().replace(/-/g, '')).digest('hex');

function newRecoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(10);
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

export interface TotpSetup {
  secret: string;
  uri: string;
  qrDataUrl: string;
}

/** The secret being set up (kept until confirmed by a first code), created on first call. */
export async function getOrCreatePendingTotp(
  db: DB,
  userId: string,
  label: string,
): Promise<TotpSetup | null> {
  const u = await db
    .selectFrom('users')
    .select(['totp_secret', 'totp_enabled_at'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  if (u.totp_enabled_at) return null;
  let secret = u.totp_secret;
  if (!secret) {
    secret = generateSecret();
    await db.updateTable('users').set({ totp_secret: secret }).where('id', '=', userId).execute();
  }
  const uri = generateURI({ issuer: 'terridata', label, secret });
  return { secret, uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
}

async function codeMatches(secret: string, code: string): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false;
  try {
    return (await verify({ secret, token: code, epochTolerance: 30 })).valid;
  } catch {
    return false;
  }
}

/** Confirms the pending secret with a first code; returns the recovery codes (shown once). */
export async function enableTotp(db: DB, userId: string, code: string): Promise<string[] | null> {
  const u = await db
    .selectFrom('users')
    .select(['totp_secret', 'totp_enabled_at'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  if (u.totp_enabled_at || !u.totp_secret || !(await codeMatches(u.totp_secret, code))) return null;
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ totp_enabled_at: sql`now()` })
      .where('id', '=', userId)
      .execute();
    return replaceRecoveryCodes(trx, userId);
  });
}

export async function replaceRecoveryCodes(trx: DB, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await trx.deleteFrom('recovery_code').where('user_id', '=', userId).execute();
  await trx
    .insertInto('recovery_code')
    .values(codes.map((c) => ({ user_id: userId, code_hash: hashCode(c) })))
    .execute();
  return codes;
}

/** A TOTP code, or a recovery code (used up by this call). */
export async function verifySecondFactor(db: DB, userId: string, code: string): Promise<boolean> {
  const u = await db
    .selectFrom('users')
    .select(['totp_secret', 'totp_enabled_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!u?.totp_enabled_at || !u.totp_secret) return false;
  if (await codeMatches(u.totp_secret, code)) return true;
  const used = await db
    .updateTable('recovery_code')
    .set({ used_at: sql`now()` })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hashCode(code))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(db: DB, userId: string): Promise<number> {
  const r = await db
    .selectFrom('recovery_code')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return r.n;
}

async function clearSecondFactor(trx: DB, userId: string) {
  await trx
    .updateTable('users')
    .set({ totp_secret: null, totp_enabled_at: null })
    .where('id', '=', userId)
    .execute();
  await trx.deleteFrom('recovery_code').where('user_id', '=', userId).execute();
}

export async function disableTotp(db: DB, userId: string): Promise<void> {
  await db.transaction().execute((trx) => clearSecondFactor(trx, userId));
}

/** An admin resets another user's second factor (lost phone); written to the audit log. */
export async function resetSecondFactor(db: DB, adminId: string, userId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await clearSecondFactor(trx, userId);
    await appendAuditLog(trx, {
      actorId: adminId,
      action: 'user.second_factor_reset',
      targetType: 'user',
      targetId: userId,
    });
  });
}
