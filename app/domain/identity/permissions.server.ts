// Who may do what, in one place. Every loader and action calls one of these guards first.
// Levels (see access.ts): public < signed-in < member (of an organisation) < moderator < admin.
// Guards throw: a redirect to sign-in for an anonymous page request (401 for APIs), 403 for
// a signed-in user without the right. Moderators and admins must have set up their second
// factor before their role counts (demo accounts excepted): until then pages send them to
// /compte/securite.
import { redirect } from '@remix-run/node';
import type { AppLoadContext } from '@remix-run/node';
import type { DB } from '#db/client';
import { requireUser, wantsJson } from './session.server';
import type { SessionUser } from './session.server';

export { requireUser, getSessionUser } from './session.server';
export type { SessionUser } from './session.server';

/** INSEE/SIREN code of the Métropole: a moderator scoped to it covers every commune. */
export const METROPOLE_CODE = '200046977';
export const SECOND_FACTOR_SETUP_PATH = '/compte/securite';

export interface ModeratorScope {
  kind: 'territory' | 'theme';
  code: string;
}

export interface Roles {
  isAdmin: boolean;
  moderatorScopes: ModeratorScope[];
  isModerator: boolean;
  /** True when a role is held but cannot be used until the second factor is set up. */
  needsSecondFactor: boolean;
}

export function forbidden(
  request: Request,
  detail = 'You do not have access to this resource.',
): Response {
  if (wantsJson(request)) {
    return Response.json(
      { type: 'about:blank', title: 'Forbidden', status: 403, detail },
      { status: 403, headers: { 'Content-Type': 'application/problem+json' } },
    );
  }
  return new Response(detail, { status: 403, statusText: 'Forbidden' });
}

export async function getModeratorScopes(db: DB, userId: string): Promise<ModeratorScope[]> {
  const rows = await db
    .selectFrom('moderator_scope')
    .select(['kind', 'code'])
    .where('user_id', '=', userId)
    .orderBy('kind')
    .orderBy('code')
    .execute();
  return rows.map((r) => ({ kind: r.kind as ModeratorScope['kind'], code: r.code }));
}

export async function getRoles(
  db: DB,
  user: Pick<SessionUser, 'id' | 'isAdmin' | 'isDemo' | 'totpEnabled'>,
): Promise<Roles> {
  const moderatorScopes = await getModeratorScopes(db, user.id);
  const holdsRole = user.isAdmin || moderatorScopes.length > 0;
  return {
    isAdmin: user.isAdmin,
    moderatorScopes,
    isModerator: moderatorScopes.length > 0,
    needsSecondFactor: holdsRole && !user.totpEnabled && !user.isDemo,
  };
}

function secondFactorRequired(request: Request): Response {
  if (wantsJson(request))
    return forbidden(request, 'Set up two-factor authentication before using this role.');
  return redirect(`${SECOND_FACTOR_SETUP_PATH}?requis=1`);
}

export async function requireAdmin(
  context: AppLoadContext,
  request: Request,
): Promise<SessionUser> {
  const user = await requireUser(context, request);
  if (!user.isAdmin) throw forbidden(request);
  if (!user.totpEnabled && !user.isDemo) throw secondFactorRequired(request);
  return user;
}

/**
 * Do these scopes cover a commune and/or a theme? Territory scopes restrict where, theme
 * scopes restrict what; a moderator without scopes of one kind is not restricted by it.
 */
export function scopesCover(
  scopes: ModeratorScope[],
  target: { communeCode?: string | null; theme?: string | null },
): boolean {
  if (scopes.length === 0) return false;
  const territories = scopes.filter((s) => s.kind === 'territory').map((s) => s.code);
  const themes = scopes.filter((s) => s.kind === 'theme').map((s) => s.code);
  const whereOk =
    territories.length === 0 ||
    territories.includes(METROPOLE_CODE) ||
    (target.communeCode != null && territories.includes(target.communeCode)) ||
    target.communeCode == null;
  const whatOk = themes.length === 0 || target.theme == null || themes.includes(target.theme);
  return whereOk && whatOk;
}

/**
 * A moderator (or an admin, who may moderate everywhere). With a target, the moderator's
 * scopes must cover it.
 */
export async function requireModerator(
  context: AppLoadContext,
  request: Request,
  target?: { communeCode?: string | null; theme?: string | null },
): Promise<SessionUser & { roles: Roles }> {
  const user = await requireUser(context, request);
  const roles = await getRoles(context.db, user);
  if (!roles.isModerator && !roles.isAdmin) throw forbidden(request);
  if (roles.needsSecondFactor) throw secondFactorRequired(request);
  if (target && !roles.isAdmin && !scopesCover(roles.moderatorScopes, target))
    throw forbidden(request);
  return { ...user, roles };
}

export type MembershipRole = 'member' | 'admin';

export async function getMembershipRole(
  db: DB,
  userId: string,
  organizationId: string,
): Promise<MembershipRole | null> {
  if (!/^[0-9a-f-]{36}$/i.test(organizationId)) return null;
  const m = await db
    .selectFrom('membership')
    .select('role')
    .where('user_id', '=', userId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return (m?.role as MembershipRole | undefined) ?? null;
}

/** A member (any role) of the organisation. */
export async function requireOrgMember(
  context: AppLoadContext,
  request: Request,
  organizationId: string,
): Promise<SessionUser & { membershipRole: MembershipRole }> {
  const user = await requireUser(context, request);
  const role = await getMembershipRole(context.db, user.id, organizationId);
  if (!role) throw forbidden(request);
  return { ...user, membershipRole: role };
}

/** An admin of the organisation (approves join requests, manages members). */
export async function requireOrgAdmin(
  context: AppLoadContext,
  request: Request,
  organizationId: string,
): Promise<SessionUser & { membershipRole: 'admin' }> {
  const user = await requireOrgMember(context, request, organizationId);
  if (user.membershipRole !== 'admin') throw forbidden(request);
  return { ...user, membershipRole: 'admin' };
}

/** Any membership at all (routes of level 'member' that are not about one organisation). */
export async function requireAnyMembership(
  context: AppLoadContext,
  request: Request,
): Promise<SessionUser> {
  const user = await requireUser(context, request);
  const m = await context.db
    .selectFrom('membership')
    .select('organization_id')
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (!m) throw forbidden(request);
  return user;
}
