import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { data } from '@remix-run/node';
import {
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNonce } from './components/nonce';
import type { RouteHandle } from './domain/identity/access';
import { getSessionUser } from './domain/identity/session.server';
import { getModeratorScopes } from './domain/identity/permissions.server';
import { unreadCount } from './domain/moderation/notifications.server';
import { getLanguage, languageCookieHeader } from './i18n/i18n.server';
import { supportedLanguages } from './i18n/config';
import type { Language } from './i18n/config';
import stylesUrl from './styles/app.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: stylesUrl }];

export const handle: RouteHandle = { access: 'public', i18n: 'common' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const lng = await getLanguage(request);
  const user = await getSessionUser(context, request);
  const cookie = await languageCookieHeader(request);
  // The header's notification count and moderation link.
  const [unread, scopes] = user ? await Promise.all([unreadCount(context.db, user.id), getModeratorScopes(context.db, user.id)]) : [0, []];
  return data(
    {
      lng,
      user: user && { id: user.id, pseudonym: user.pseudonym, isAdmin: user.isAdmin, unread, moderates: user.isAdmin || scopes.length > 0 },
    },
    { headers: cookie ? { 'Set-Cookie': cookie } : undefined },
  );
}

function useRootData() {
  return useRouteLoaderData<typeof loader>('root');
}

export function Layout({ children }: { children: React.ReactNode }) {
  const root = useRootData();
  const lng: Language = root?.lng ?? 'fr';
  const nonce = useNonce();
  return (
    <html lang={lng} dir="ltr">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <Shell>{children}</Shell>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

function LanguageSwitcher({ current }: { current: Language }) {
  const { t } = useTranslation();
  const location = useLocation();
  return (
    <nav aria-label={t('language.label')} className="lang-switch">
      <ul>
        {supportedLanguages.map((l) => {
          const params = new URLSearchParams(location.search);
          params.set('lng', l);
          return (
            <li key={l}>
              {l === current ? (
                <span aria-current="true" lang={l}>
                  {t(`language.${l}`)}
                </span>
              ) : (
                <a href={`${location.pathname}?${params}`} lang={l} hrefLang={l}>
                  {t(`language.${l}`)}
                </a>
              )}
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function Shell({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  const root = useRootData();
  const user = root?.user;
  return (
    <>
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <Link to="/" className="brand">
            {t('appName')}
          </Link>
          <nav aria-label={t('nav.label')} className="main-nav">
            <ul>
              <li>
                <Link to="/">{t('nav.home')}</Link>
              </li>
              <li>
                <Link to="/datasets">{t('nav.catalogue')}</Link>
              </li>
              <li>
                <Link to="/observations">{t('nav.observations')}</Link>
              </li>
              <li>
                <Link to="/reutilisations">{t('reuses:reuse.listTitle')}</Link>
              </li>
              <li>
                <Link to="/registre">{t('nav.ledger')}</Link>
              </li>
              {user ? (
                <>
                  <li>
                    <Link to="/contribuer">{t('nav.contribute')}</Link>
                  </li>
                  <li>
                    <Link to="/compte/contributions">{t('nav.myContributions')}</Link>
                  </li>
                  <li>
                    <Link to="/compte">{t('nav.account')}</Link>
                  </li>
                  {user.moderates ? (
                    <li>
                      <Link to="/moderation">{t('nav.moderation')}</Link>
                    </li>
                  ) : null}
                  <li>
                    <Link to="/notifications" data-testid="notifications-link">
                      {user.unread ? t('moderation:nav.notificationsUnread', { count: user.unread }) : t('moderation:nav.notifications')}
                    </Link>
                  </li>
                  {user.isAdmin ? (
                    <li>
                      <Link to="/admin">{t('nav.admin')}</Link>
                    </li>
                  ) : null}
                  <li>
                    <form method="post" action="/deconnexion">
                      <button type="submit" className="link-button">
                        {t('nav.signOut')}
                      </button>
                    </form>
                  </li>
                </>
              ) : (
                <li>
                  <Link to="/connexion">{t('nav.signIn')}</Link>
                </li>
              )}
            </ul>
          </nav>
          <LanguageSwitcher current={root?.lng ?? 'fr'} />
        </div>
      </header>
      <main id="main" tabIndex={-1} className="container">
        {children}
      </main>
      <footer className="site-footer">
        <div className="container">
          <nav aria-label={t('footer.label')}>
            <ul>
              <li>
                <Link to="/mentions-legales">{t('footer.legal')}</Link>
              </li>
              <li>
                <Link to="/donnees-personnelles">{t('footer.privacy')}</Link>
              </li>
              <li>
                <Link to="/conditions">{t('footer.terms')}</Link>
              </li>
              <li>
                <Link to="/accessibilite">{t('footer.accessibility')}</Link>
              </li>
              <li>
                <Link to="/transparence">{t('contracts:transparency.title')}</Link>
              </li>
            </ul>
          </nav>
        </div>
      </footer>
    </>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, refetchOnWindowFocus: true } } }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <Outlet />
    </QueryClientProvider>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const { t } = useTranslation();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message =
    status === 404
      ? t('errors.notFound')
      : status === 403
        ? t('errors.forbidden')
        : status === 401
          ? t('errors.unauthorized')
          : t('errors.generic');
  return (
    <section aria-labelledby="error-title">
      <h1 id="error-title">
        {t('errors.title')} ({status})
      </h1>
      <p>{message}</p>
      <p>
        <Link to="/">{t('errors.backHome')}</Link>
      </p>
    </section>
  );
}
