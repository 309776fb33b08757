// One credential system for programs: personal reuser keys (any signed-in user, with a
// declared purpose and optionally an organisation; scope `read`) and organisation tokens
// (created by an organisation admin, scopes `read`, `contribute`, `read-usage`).
//
// HOW TO USE (for other areas): a program sends `Authorization: Bearer td_ot_…` (never a
// URL parameter: server/app.ts refuses those with 400). In a JSON API route call
// `requireApiUser(context, request, { scope })` (app/domain/api/problem.server.ts): it
// accepts the session cookie or a Bearer credential and returns a SessionUser plus
// `credential` (a CredentialPrincipal) when a credential was used; without `scope`, GET/HEAD
// need `read` and other methods `contribute`. Elsewhere call `authenticateBearer(db,
// authorizationHeader, scope)` and act on `{ ok: false, status, reason }`. An organisation
// token acts as the admin who created it, on behalf of its organisation
// (`credential.organizationId`): e.g. a contribution made with it is the organisation's. It
// stops working when revoked or when its creator is no longer a member of the organisation;
// it never carries its creator's global roles (admin, moderator). The tus endpoint accepts
// tokens with scope `contribute` (app/domain/uploads/upload-auth.server.ts).
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendAuditLog } from '../admin/audit.server';
import { registerPersonalData } from '../identity/personal-data.server';
import type { SessionUser } from '../identity/session.server';
import { consumeRateLimit } from '../security/rate-limit.server';
import type { RateLimitRule } from '../security/rate-limit.server';
import { CREDENTIAL_SECRET, PERSONAL_KEY_SCOPES, credentialScopes } from './credentials.schema';
import type {
  CredentialScope,
  OrganizationTokenInput,
  PersonalKeyInput,
} from './credentials.schema';

export type CredentialKind = 'personal' | 'organization';

/** Who a verified credential speaks for. */
export interface CredentialPrincipal {
  credentialId: string;
  kind: CredentialKind;
  name: string;
  /** The key's owner, or the token's creator (the account it acts as). */
  userId: string;
  organizationId: string | null;
  scopes: CredentialScope[];
  purpose: string | null;
}

export interface CredentialSummary {
  id: string;
  kind: CredentialKind;
  name: string;
  purpose: string | null;
  scopes: CredentialScope[];
  displayPrefix: string;
  organization: { id: string; name: string; slug: string } | null;
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export class CredentialError extends Error {
  constructor(
    readonly code:
      'not_member' | 'not_org_admin' | 'not_found' | 'already_revoked' | 'rate_limited',
    message: string = code,
    /** Seconds until the account may create credentials again (code `rate_limited`). */
    readonly retryAfter = 0,
  ) {
    super(message);
  }
}

/**
 * Keys and tokens an account may create (personal keys and organisation tokens together),
 * counted in PostgreSQL so that every instance shares the count (like sign-in attempts).
 */
export const CREDENTIAL_CREATION_LIMIT: RateLimitRule = { limit: 10, windowSeconds: 3600 };

async function consumeCreation(db: DB, actorId: string): Promise<void> {
  const r = await consumeRateLimit(db, `credential-create:${actorId}`, CREDENTIAL_CREATION_LIMIT);
  if (!r.allowed) throw new CredentialError('rate_limited', 'rate_limited', r.retryAfter);
}

export const hashCredentialSecret = (secret: string) =>
  createHash('sha256').update(secret).digest('hex');

function newSecret(kind: CredentialKind): string {
  return `td_${kind === 'personal' ? 'pk' : 'ot'}_${randomBytes(32).toString('base64url')}`;
}

async function memberRole(db: DB, userId: string, organizationId: string): Promise<string | null> {
  const m = await db
    .selectFrom('membership')
    .select('role')
    .where('user_id', '=', userId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return m?.role ?? null;
}

/** Creates a personal reuser key; the secret is returned once and never stored. */
export async function createPersonalKey(
  db: DB,
  userId: string,
  input: PersonalKeyInput,
): Promise<{ id: string; secret: string }> {
  if (input.organizationId && !(await memberRole(db, userId, input.organizationId)))
    throw new CredentialError('not_member');
  await consumeCreation(db, userId);
  const secret = newSecret('personal');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('credential')
      .values({
        kind: 'personal',
        user_id: userId,
        organization_id: input.organizationId ?? null,
        name: input.name,
        purpose: input.purpose,
        scopes: sql<string[]>`${sql.val([...PERSONAL_KEY_SCOPES])}::text[]`,
        display_prefix: secret.slice(0, 10),
        secret_hash: hashCredentialSecret(secret),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await appendAuditLog(trx, {
      actorId: userId,
      action: 'credential.create',
      targetType: 'credential',
      targetId: row.id,
      details: { kind: 'personal' },
    });
    return { id: row.id, secret };
  });
}

/** Creates an organisation token (the caller must be an admin of the organisation). */
export async function createOrganizationToken(
  db: DB,
  actorId: string,
  organizationId: string,
  input: OrganizationTokenInput,
): Promise<{ id: string; secret: string }> {
  if ((await memberRole(db, actorId, organizationId)) !== 'admin')
    throw new CredentialError('not_org_admin');
  await consumeCreation(db, actorId);
  const scopes = credentialScopes.filter((s) => input.scopes.includes(s));
  const secret = newSecret('organization');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('credential')
      .values({
        kind: 'organization',
        user_id: actorId,
        organization_id: organizationId,
        name: input.name,
        purpose: input.purpose || null,
        scopes: sql<string[]>`${sql.val(scopes)}::text[]`,
        display_prefix: secret.slice(0, 10),
        secret_hash: hashCredentialSecret(secret),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await appendAuditLog(trx, {
      actorId,
      action: 'credential.create',
      targetType: 'credential',
      targetId: row.id,
      details: { kind: 'organization', organizationId, scopes },
    });
    return { id: row.id, secret };
  });
}

/**
 * Revokes a credential: its owner may revoke a personal key; an admin of the organisation
 * may revoke any of its tokens (and a personal key declared for it is its owner's alone).
 */
export async function revokeCredential(
  db: DB,
  actorId: string,
  credentialId: string,
): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(credentialId)) throw new CredentialError('not_found');
  const c = await db
    .selectFrom('credential')
    .select(['id', 'kind', 'user_id', 'organization_id', 'revoked_at'])
    .where('id', '=', credentialId)
    .executeTakeFirst();
  if (!c) throw new CredentialError('not_found');
  const allowed =
    c.kind === 'personal'
      ? c.user_id === actorId
      : c.organization_id !== null &&
        (await memberRole(db, actorId, c.organization_id)) === 'admin';
  if (!allowed) throw new CredentialError('not_found');
  if (c.revoked_at) throw new CredentialError('already_revoked');
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('credential')
      .set({ revoked_at: sql`now()`, revoked_by: actorId })
      .where('id', '=', credentialId)
      .where('revoked_at', 'is', null)
      .execute();
    await appendAuditLog(trx, {
      actorId,
      action: 'credential.revoke',
      targetType: 'credential',
      targetId: credentialId,
      details: { kind: c.kind },
    });
  });
}

function summaryQuery(db: DB) {
  return db
    .selectFrom('credential as c')
    .leftJoin('organization as o', 'o.id', 'c.organization_id')
    .leftJoin('users as u', 'u.id', 'c.user_id')
    .select([
      'c.id',
      'c.kind',
      'c.name',
      'c.purpose',
      'c.scopes',
      'c.display_prefix',
      'c.created_at',
      'c.last_used_at',
      'c.revoked_at',
      'o.id as org_id',
      'o.name as org_name',
      'o.slug as org_slug',
      'u.pseudonym',
    ])
    .orderBy('c.revoked_at', (ob) => ob.desc().nullsFirst())
    .orderBy('c.created_at', 'desc');
}

function toSummary(
  r: Awaited<ReturnType<ReturnType<typeof summaryQuery>['execute']>>[number],
): CredentialSummary {
  return {
    id: r.id,
    kind: r.kind as CredentialKind,
    name: r.name,
    purpose: r.purpose,
    scopes: r.scopes as CredentialScope[],
    displayPrefix: r.display_prefix,
    organization:
      r.org_id && r.org_name && r.org_slug
        ? { id: r.org_id, name: r.org_name, slug: r.org_slug }
        : null,
    createdBy: r.pseudonym,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export async function listPersonalKeys(db: DB, userId: string): Promise<CredentialSummary[]> {
  return (
    await summaryQuery(db)
      .where('c.kind', '=', 'personal')
      .where('c.user_id', '=', userId)
      .execute()
  ).map(toSummary);
}

export async function listOrganizationTokens(
  db: DB,
  organizationId: string,
): Promise<CredentialSummary[]> {
  return (
    await summaryQuery(db)
      .where('c.kind', '=', 'organization')
      .where('c.organization_id', '=', organizationId)
      .execute()
  ).map(toSummary);
}

export type VerifyFailure = 'unknown' | 'revoked' | 'inactive';

/**
 * The principal behind a secret, or why not. Looked up by the secret's sha256 (secrets are
 * 256 random bits: a fast hash is enough, and the lookup reveals nothing about near misses).
 */
export async function verifyCredential(
  db: DB,
  secret: string,
): Promise<{ ok: true; principal: CredentialPrincipal } | { ok: false; reason: VerifyFailure }> {
  if (!CREDENTIAL_SECRET.test(secret)) return { ok: false, reason: 'unknown' };
  const row = await db
    .selectFrom('credential as c')
    .leftJoin('users as u', 'u.id', 'c.user_id')
    .select([
      'c.id',
      'c.kind',
      'c.name',
      'c.user_id',
      'c.organization_id',
      'c.scopes',
      'c.purpose',
      'c.revoked_at',
      'c.last_used_at',
      'u.deleted_at',
      (eb) =>
        eb
          .exists(
            eb
              .selectFrom('membership as m')
              .select('m.user_id')
              .whereRef('m.user_id', '=', 'c.user_id')
              .whereRef('m.organization_id', '=', 'c.organization_id'),
          )
          .as('creator_is_member'),
    ])
    .where('c.secret_hash', '=', hashCredentialSecret(secret))
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revoked_at) return { ok: false, reason: 'revoked' };
  if (!row.user_id || row.deleted_at) return { ok: false, reason: 'inactive' };
  if (row.kind === 'organization' && !row.creator_is_member)
    return { ok: false, reason: 'inactive' };
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db
      .updateTable('credential')
      .set({ last_used_at: sql`now()` })
      .where('id', '=', row.id)
      .execute();
  }
  return {
    ok: true,
    principal: {
      credentialId: row.id,
      kind: row.kind as CredentialKind,
      name: row.name,
      userId: row.user_id,
      organizationId: row.organization_id,
      scopes: row.scopes as CredentialScope[],
      purpose: row.purpose,
    },
  };
}

/** The secret of an `Authorization: Bearer …` header; null without one. */
export function bearerSecret(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1]! : authorization.trim() ? '' : null;
}

export type BearerOutcome =
  | { ok: true; principal: CredentialPrincipal }
  | {
      ok: false;
      status: 401 | 403;
      reason: VerifyFailure | 'malformed' | 'scope';
      scope: CredentialScope;
    };

/**
 * Verifies a Bearer header for an operation that needs `scope`, or any one of several scopes
 * (null when there is no header). A refusal names the first one.
 */
export async function authenticateBearer(
  db: DB,
  authorization: string | null | undefined,
  scope: CredentialScope | readonly CredentialScope[],
): Promise<BearerOutcome | null> {
  const accepted: readonly CredentialScope[] = typeof scope === 'string' ? [scope] : scope;
  const named = accepted[0]!;
  const secret = bearerSecret(authorization);
  if (secret === null) return null;
  if (secret === '') return { ok: false, status: 401, reason: 'malformed', scope: named };
  const v = await verifyCredential(db, secret);
  if (!v.ok) return { ok: false, status: 401, reason: v.reason, scope: named };
  if (!accepted.some((s) => v.principal.scopes.includes(s)))
    return { ok: false, status: 403, reason: 'scope', scope: named };
  return v;
}

/** The account a credential acts as, shaped like a session's user (without global roles). */
export async function credentialUser(
  db: DB,
  principal: CredentialPrincipal,
): Promise<SessionUser | null> {
  const u = await db
    .selectFrom('users')
    .select(['id', 'email', 'pseudonym', 'locale', 'email_verified_at', 'is_demo', 'terms_version'])
    .where('id', '=', principal.userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!u) return null;
  return {
    id: u.id,
    email: u.email,
    pseudonym: u.pseudonym,
    locale: u.locale,
    // A credential never carries its owner's global roles.
    isAdmin: false,
    emailVerified: u.email_verified_at !== null,
    isDemo: u.is_demo,
    totpEnabled: false,
    termsVersion: u.terms_version,
    sessionHash: '',
  };
}

/** Messages of a refused credential, in both languages (APIs answer before knowing the page language). */
export function bearerRefusalDetail(outcome: Extract<BearerOutcome, { ok: false }>): string {
  switch (outcome.reason) {
    case 'scope':
      return `This credential does not have the scope "${outcome.scope}". / Cette clé n'a pas la portée « ${outcome.scope} ».`;
    case 'revoked':
      return 'This credential was revoked. / Cette clé a été révoquée.';
    case 'inactive':
      return 'This credential is no longer active (its owner left the organisation or deleted the account). / Cette clé n’est plus active (son titulaire a quitté l’organisation ou supprimé son compte).';
    case 'malformed':
      return 'Send the credential as "Authorization: Bearer <key>". / Envoyez la clé ainsi : « Authorization: Bearer <clé> ».';
    default:
      return 'Unknown credential. / Clé inconnue.';
  }
}

// Personal data: a user's keys and tokens are exported with the account; on erasure the
// personal keys are deleted (their download log rows lose them), and the organisation
// tokens they created are revoked and detached (the organisation keeps their history).
registerPersonalData({
  name: 'credentials',
  table: 'credential',
  export: async (db, userId) =>
    db
      .selectFrom('credential')
      .select([
        'id',
        'kind',
        'name',
        'purpose',
        'scopes',
        'display_prefix',
        'organization_id',
        'created_at',
        'last_used_at',
        'revoked_at',
      ])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute(),
  erase: async (trx, userId) => {
    const personal = trx
      .selectFrom('credential')
      .select('id')
      .where('user_id', '=', userId)
      .where('kind', '=', 'personal');
    await trx
      .updateTable('traceable_download')
      .set({ credential_id: null })
      .where('credential_id', 'in', personal)
      .execute();
    await trx
      .deleteFrom('credential')
      .where('user_id', '=', userId)
      .where('kind', '=', 'personal')
      .execute();
    await trx
      .updateTable('credential')
      .set({ user_id: null, revoked_at: sql`coalesce(revoked_at, now())` })
      .where('user_id', '=', userId)
      .execute();
    await trx
      .updateTable('credential')
      .set({ revoked_by: null })
      .where('revoked_by', '=', userId)
      .execute();
  },
  order: -5,
});
