import { PassThrough } from 'node:stream';
import { createReadableStreamFromReadable } from '@remix-run/node';
import type { AppLoadContext, EntryContext } from '@remix-run/node';
import { isRouteErrorResponse, RemixServer } from '@remix-run/react';
import { createInstance } from 'i18next';
import { isbot } from 'isbot';
import { renderToPipeableStream } from 'react-dom/server';
import { I18nextProvider, initReactI18next } from 'react-i18next';
import { i18nOptions } from './i18n/config';
import { getLanguage } from './i18n/i18n.server';
import { resources } from './i18n/resources';
import { NonceProvider } from './components/nonce';
import { isDatabaseUnavailable, unavailableResponse } from './domain/operations/unavailable.server';

const ABORT_DELAY = 5_000;

/** Requests (by load context) that met an unreachable database: answered 503, not 500. */
const metDatabaseOutage = new WeakSet<object>();

/** Errors worth logging: not aborted requests, not 4xx answers (wrong method, not found). */
export function handleError(error: unknown, { request, context }: { request: Request; context?: AppLoadContext }) {
  if (isDatabaseUnavailable(error)) {
    if (context) {
      metDatabaseOutage.add(context);
      context.reportDatabaseUnavailable?.(error);
    }
    return;
  }
  if (request.signal.aborted) return;
  if (isRouteErrorResponse(error) && error.status < 500) return;
  console.error(error);
}

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  if (metDatabaseOutage.has(loadContext)) return unavailableResponse(request, 'database');
  const lng = await getLanguage(request);
  const i18n = createInstance();
  await i18n.use(initReactI18next).init({ ...i18nOptions, lng, resources });
  const nonce = loadContext.cspNonce;
  const waitForAll = isbot(request.headers.get('user-agent') ?? '') || remixContext.isSpaMode;

  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <I18nextProvider i18n={i18n}>
          <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
        </I18nextProvider>
      </NonceProvider>,
      {
        nonce,
        [waitForAll ? 'onAllReady' : 'onShellReady']() {
          shellRendered = true;
          const body = new PassThrough();
          responseHeaders.set('Content-Type', 'text/html; charset=utf-8');
          resolve(
            new Response(createReadableStreamFromReadable(body), {
              headers: responseHeaders,
              status: responseStatusCode,
            }),
          );
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) console.error(error);
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}
