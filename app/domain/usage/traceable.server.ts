// Downloads under a traceable licence ("licence engagée"): free, but the reuser identifies.
// A download is allowed to a signed-in account or a credential with scope `read` (sent as
// `Authorization: Bearer …`); each one is logged (who, which dataset and version, when,
// for what declared purpose; once per reuser, file and day). Everybody else is told why and
// how to get a key: browsers are sent to the licence's explanation page, programs get
// 401/403 problem+json with the links.
import type { AppLoadContext } from '@remix-run/node';
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { authenticateBearer, bearerRefusalDetail } from '../credentials/credentials.server';
import type { BearerOutcome } from '../credentials/credentials.server';
import { getSessionUser } from '../identity/session.server';

export interface Reuser {
  userId: string;
  credentialId: string | null;
  organizationId: string | null;
  purpose: string | null;
  via: 'session' | 'credential';
}

export interface TraceableTarget {
  distributionId: string;
  datasetId: string;
  datasetVersionId: string;
  datasetSlug: string;
  licence: { id: string; traceable: boolean } | null;
}

/** Where people learn what a traceable licence asks and how to get a key. */
export const licencePagePath = (licenceId: string, downloadPath?: string) =>
  `/licences/${encodeURIComponent(licenceId)}${downloadPath ? `?fichier=${encodeURIComponent(downloadPath)}` : ''}`;
export const KEYS_PAGE_PATH = '/compte/cles';

/** Browsers navigating (not programs): they get a page, not a JSON problem. */
function isBrowserNavigation(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '';
  return accept.includes('text/html') || request.headers.get('sec-fetch-mode') === 'navigate';
}

function refusal(
  request: Request,
  target: TraceableTarget,
  status: 401 | 403,
  detail: string,
  reason: string,
): Response {
  const url = new URL(request.url);
  const origin = url.origin;
  const licencePage = licencePagePath(target.licence!.id, url.pathname);
  if (status === 401 && reason === 'anonymous' && isBrowserNavigation(request)) {
    return new Response(null, {
      status: 303,
      headers: { Location: licencePage, 'Cache-Control': 'no-store' },
    });
  }
  const body = {
    type: `${origin}${licencePagePath(target.licence!.id)}`,
    title: status === 401 ? 'Unauthorized' : 'Forbidden',
    status,
    detail,
    reason,
    licence: target.licence!.id,
    links: { licence: `${origin}${licencePage}`, getKey: `${origin}${KEYS_PAGE_PATH}` },
  };
  const headers: Record<string, string> = {
    'Content-Type': 'application/problem+json',
    'Cache-Control': 'no-store',
    Link: `<${origin}${KEYS_PAGE_PATH}>; rel="help"`,
  };
  if (status === 401)
    headers['WWW-Authenticate'] = 'Bearer realm="terridata", error="invalid_token"';
  return new Response(JSON.stringify(body), { status, headers });
}

const ANONYMOUS_DETAIL =
  'This file is under a traceable licence: free to reuse, but downloads are for identified reusers. Sign in, or send a reuser key as "Authorization: Bearer <key>" (create one at /compte/cles). / Ce fichier est sous une licence engagée : réutilisation libre, mais le téléchargement demande d’être identifié. Connectez-vous, ou envoyez une clé de réutilisateur dans l’en-tête « Authorization: Bearer <clé> » (créez-en une sur /compte/cles).';

/**
 * Who is downloading a file under a traceable licence, or the refusal to send. Open
 * licences need nobody (`reuser: null`). A credential that is sent but refused (unknown,
 * revoked, wrong scope) is refused even if a session cookie comes with it.
 */
export async function identifyReuser(
  context: AppLoadContext,
  request: Request,
  target: TraceableTarget,
): Promise<{ refusal: Response } | { reuser: Reuser | null }> {
  if (!target.licence?.traceable) return { reuser: null };
  const bearer: BearerOutcome | null = await authenticateBearer(
    context.db,
    request.headers.get('authorization'),
    'read',
  );
  if (bearer && !bearer.ok) {
    return {
      refusal: refusal(
        request,
        target,
        bearer.status,
        `${bearerRefusalDetail(bearer)} ${ANONYMOUS_DETAIL}`,
        bearer.reason,
      ),
    };
  }
  if (bearer?.ok) {
    const p = bearer.principal;
    return {
      reuser: {
        userId: p.userId,
        credentialId: p.credentialId,
        organizationId: p.organizationId,
        purpose: p.purpose,
        via: 'credential',
      },
    };
  }
  const user = await getSessionUser(context, request);
  if (user)
    return {
      reuser: {
        userId: user.id,
        credentialId: null,
        organizationId: null,
        purpose: null,
        via: 'session',
      },
    };
  return { refusal: refusal(request, target, 401, ANONYMOUS_DETAIL, 'anonymous') };
}

/** Who downloads, for counting: the account and the key it used (or its session). */
export const reuserKey = (reuser: Reuser) => `${reuser.userId}:${reuser.credentialId ?? 'session'}`;

/**
 * Logs a download of traceable data: one row per reuser (account and key), file and UTC day
 * (decision 018). A client that fetches the file in many Range requests (a resumed
 * download, a player seeking, a download manager's parallel parts) adds to that row's
 * `requests` and moves its `last_at`: the publisher counts one download, and still sees the
 * first and last access. Safe under concurrent requests and several instances (one upsert
 * on a unique index).
 */
export async function logTraceableDownload(
  db: DB,
  target: TraceableTarget,
  reuser: Reuser,
): Promise<void> {
  await db
    .insertInto('traceable_download')
    .values({
      distribution_id: target.distributionId,
      dataset_id: target.datasetId,
      dataset_version_id: target.datasetVersionId,
      user_id: reuser.userId,
      credential_id: reuser.credentialId,
      reuser_organization_id: reuser.organizationId,
      purpose: reuser.purpose,
      via: reuser.via,
      client_key: reuserKey(reuser),
      day: sql<Date>`(now() at time zone 'UTC')::date`,
    })
    .onConflict((oc) =>
      oc.columns(['distribution_id', 'day', 'client_key']).doUpdateSet({
        requests: sql<number>`traceable_download.requests + 1`,
        last_at: sql<Date>`now()`,
      }),
    )
    .execute();
}
