// Language of a request: ?lng=…, then the `lng` cookie, then Accept-Language; French by
// default. A `?lng=` choice is remembered in the cookie.
import { createCookie } from '@remix-run/node';
import { RemixI18Next } from 'remix-i18next/server';
import { fallbackLanguage, i18nOptions, isLanguage, supportedLanguages } from './config';
import type { Language } from './config';
import { resources } from './resources';

export const languageCookie = createCookie('lng', {
  path: '/',
  sameSite: 'lax',
  httpOnly: true,
  maxAge: 60 * 60 * 24 * 365,
});

export const remixI18n = new RemixI18Next({
  detection: {
    supportedLanguages: [...supportedLanguages],
    fallbackLanguage,
    cookie: languageCookie,
    searchParamKey: 'lng',
    order: ['searchParams', 'cookie', 'header'],
  },
  i18next: { ...i18nOptions, resources },
});

export async function getLanguage(request: Request): Promise<Language> {
  const l = await remixI18n.getLocale(request);
  return isLanguage(l) ? l : fallbackLanguage;
}

/** A translation function for messages built on the server (errors, emails). */
export async function getT(request: Request, ns: string | readonly [string, ...string[]] = 'common') {
  return remixI18n.getFixedT(request, ns);
}

/** Set-Cookie header value when the request chose a language explicitly. */
export async function languageCookieHeader(request: Request): Promise<string | undefined> {
  const lng = new URL(request.url).searchParams.get('lng');
  if (!isLanguage(lng)) return undefined;
  return languageCookie.serialize(lng);
}
