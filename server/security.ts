// Security baseline for every response and every mutating request.
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { CREDENTIAL_IN_URL_PROBLEM, credentialInQuery } from '../app/domain/credentials/credentials-in-url';

export function securityHeaders(opts: { development: boolean }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const nonce = randomBytes(16).toString('base64');
    res.locals.cspNonce = nonce;
    const scriptSrc = opts.development
      ? `'self' 'nonce-${nonce}' 'unsafe-eval'` // Vite's dev client
      : `'self' 'nonce-${nonce}' 'strict-dynamic'`;
    res.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        `script-src ${scriptSrc}`,
        // Uppy and Leaflet set inline styles; styles cannot run code.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        `connect-src 'self'${opts.development ? ' ws: wss:' : ''}`,
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(self)');
    if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The CKAN-compatible read API: CKAN clients POST their parameters as JSON. */
const CKAN_ACTION_PATH = /^\/api\/3\/action\//;

/**
 * CSRF protection by a strict Origin check: a mutating request made with the browser's
 * cookies must come from our own origin. Browsers send Origin on every non-GET request
 * (forms included); when it is absent, Sec-Fetch-Site or Referer must say same-origin.
 * Requests that carry no cookie cannot ride a session, and API clients that authenticate
 * with a token in a header (no cookie) are not subject to it.
 */
export function csrfOriginCheck(opts: { publicUrl?: string }) {
  const allowed = opts.publicUrl ? new URL(opts.publicUrl).origin : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const hasCookie = Boolean(req.headers.cookie);
    const hasToken = /^Bearer\s/i.test(req.headers.authorization ?? '');
    if (!hasCookie && hasToken) return next();
    // CKAN clients (ckanapi, harvesters) POST JSON with no cookie and no Origin, an API key
    // in a header at most: such a request rides no session, and the CKAN API only reads.
    // With a cookie the Origin rule below applies (docs/decisions/015-ckan-post-csrf.md).
    const ckan = CKAN_ACTION_PATH.test(req.path);
    if (!hasCookie && ckan) return next();
    const ownOrigin = allowed ?? `${req.protocol}://${req.get('host')}`;
    const origin = req.get('origin');
    let ok: boolean;
    if (origin && origin !== 'null') ok = origin === ownOrigin;
    else if (req.get('sec-fetch-site')) ok = req.get('sec-fetch-site') === 'same-origin';
    else {
      const referer = req.get('referer');
      ok = Boolean(referer) && safeOrigin(referer!) === ownOrigin;
    }
    if (ok) return next();
    if (ckan) {
      // Refused in CKAN's own error envelope, which CKAN clients read (NotAuthorized).
      const action = req.path.slice('/api/3/action/'.length, 100);
      res
        .status(403)
        .set('Cache-Control', 'no-store')
        .type('application/json')
        .send(
          JSON.stringify({
            help: `${ownOrigin}/api/3/action/help_show?name=${encodeURIComponent(action)}`,
            success: false,
            error: {
              __type: 'Authorization Error',
              message:
                'Cross-origin request with cookies refused (CSRF protection): send no cookie, or an API key in a header. / Requête d’une autre origine avec cookies refusée (protection CSRF).',
            },
          }),
        );
      return;
    }
    res
      .status(403)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: 'about:blank',
          title: 'Forbidden',
          status: 403,
          detail: 'Cross-origin or origin-less request refused (CSRF protection). / Requête refusée : origine absente ou étrangère (protection CSRF).',
        }),
      );
  };
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * Credentials travel in the Authorization header only: a request whose query string carries
 * one (`?token=`, `?key=`, a `td_…` secret…) is refused with 400 problem+json before any
 * route reads it (the request log never records query strings either).
 */
export function refuseCredentialsInUrl() {
  return (req: Request, res: Response, next: NextFunction) => {
    const q = req.originalUrl.indexOf('?');
    if (q < 0 || !credentialInQuery(req.originalUrl.slice(q))) return next();
    res.status(400).set('Cache-Control', 'no-store').type('application/problem+json').send(JSON.stringify(CREDENTIAL_IN_URL_PROBLEM));
  };
}
