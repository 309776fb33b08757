// What a request gets while the platform cannot serve it: the database is unreachable (503)
// or the storage directory is nearly full (507). Machine clients (the JSON APIs, the tus
// endpoint, DCAT) get RFC 9457 problem+json; people get a small page in their language.
// Shared by the Express guards (server/availability.ts) and the Remix entry (a database
// error met inside a loader).
import { getLanguage, getT } from '../../i18n/i18n.server';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)/i;

/** True when an error means PostgreSQL cannot be reached (not a bad query, not a constraint). */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

export type Unavailability = 'database' | 'storage';

/** Paths whose clients are programs: they get problem+json rather than a page. */
export function wantsProblemJson(pathname: string, accept: string | null): boolean {
  if (/^\/(api|uploads|catalog)(\/|$)/.test(pathname)) return true;
  if (/\.(json|csv|ttl|jsonld|sh)$/.test(pathname)) return true;
  return Boolean(accept && /application\/(problem\+)?json/.test(accept) && !/text\/html/.test(accept));
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The answer to a request that cannot be served now, as a web Response. */
export async function unavailableResponse(request: Request, why: Unavailability): Promise<Response> {
  const status = why === 'database' ? 503 : 507;
  const t = await getT(request, 'common');
  const title = t(why === 'database' ? 'unavailable.databaseTitle' : 'unavailable.storageTitle');
  const detail = t(why === 'database' ? 'unavailable.database' : 'unavailable.storage');
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (status === 503) headers['Retry-After'] = '5';
  const url = new URL(request.url);
  if (wantsProblemJson(url.pathname, request.headers.get('accept'))) {
    if (url.pathname.startsWith('/uploads/')) headers['Tus-Resumable'] = '1.0.0';
    return new Response(JSON.stringify({ type: 'about:blank', title, status, detail }), {
      status,
      headers: { ...headers, 'Content-Type': 'application/problem+json' },
    });
  }
  const lng = await getLanguage(request);
  const html = `<!doctype html>
<html lang="${lng}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} — terridata</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(detail)}</p>
<p><a href="${escapeHtml(url.pathname + url.search)}">${escapeHtml(t('unavailable.retry'))}</a></p>
</main>
</body>
</html>
`;
  return new Response(html, { status, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' } });
}
