// Credentials are sent in the Authorization header only: a URL ends up in browser history,
// proxy and server logs, Referer headers. A request whose query string carries something
// that looks like a credential is refused (400) before anything else reads or logs it.

/** Query parameter names that only ever carry secrets. */
const CREDENTIAL_PARAMS = new Set([
  'token',
  'access_token',
  'api_key',
  'apikey',
  'key',
  'api-key',
  'cle',
  'jeton',
  'bearer',
  'auth',
  'authorization',
  'secret',
]);
const SECRET_LIKE = /td_(?:pk|ot)_[A-Za-z0-9_-]{20,}/;

/** The name of the query parameter carrying a credential, or null. `search` is the raw query (with or without "?"). */
export function credentialInQuery(search: string): string | null {
  const q = search.startsWith('?') ? search.slice(1) : search;
  if (!q) return null;
  let decoded = q;
  try {
    decoded = decodeURIComponent(q.replace(/\+/g, ' '));
  } catch {
    /* a malformed escape: test the raw text */
  }
  if (SECRET_LIKE.test(q) || SECRET_LIKE.test(decoded)) return 'value';
  for (const pair of q.split('&')) {
    const name = pair.split('=')[0] ?? '';
    let n = name;
    try {
      n = decodeURIComponent(name);
    } catch {
      /* keep the raw name */
    }
    if (CREDENTIAL_PARAMS.has(n.toLowerCase())) return n.toLowerCase();
  }
  return null;
}

export const CREDENTIAL_IN_URL_PROBLEM = {
  type: 'about:blank',
  title: 'Bad Request',
  status: 400,
  detail:
    'Credentials are not accepted in the URL: send them in the header "Authorization: Bearer <key>", and revoke a key that was put in a URL. / Les clés ne sont pas acceptées dans l’adresse : envoyez-les dans l’en-tête « Authorization: Bearer <clé> », et révoquez une clé qui a figuré dans une adresse.',
};
