import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { getSessionUser } from '~/domain/identity/permissions.server';
import { getLicence } from '~/domain/usage/licences.server';
import { getT } from '~/i18n/i18n.server';

// /licences/:id — what a licence allows; for a traceable licence ("licence engagée"), why
// downloads need an identified reuser and how to get a key. Anonymous visitors who follow a
// traceable file's link land here (with ?fichier=) instead of meeting a bare 401.
export const handle: RouteHandle = { access: 'public', i18n: 'reuses' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const licence = await getLicence(context.db, params.id ?? '');
  if (!licence) throw new Response('Not found', { status: 404 });
  const t = await getT(request, 'reuses');
  const url = new URL(request.url);
  const file = url.searchParams.get('fichier');
  // Only a download path of this site (never an open redirect).
  const downloadPath =
    file && /^\/datasets\/[^/?#]+\/telecharger\/[0-9a-f-]{36}$/i.test(file) ? file : null;
  const user = await getSessionUser(context, request);
  return {
    title: t('licence.title', { name: licence.name }),
    licence,
    downloadPath,
    signedIn: Boolean(user),
    origin: (context.config.publicUrl ?? url.origin).replace(/\/$/, ''),
  };
}

export default function LicencePage() {
  const { t } = useTranslation('reuses');
  const { licence, downloadPath, signedIn, origin } = useLoaderData<typeof loader>();
  const back = downloadPath ?? `/licences/${licence.id}`;
  return (
    <article aria-labelledby="title" className="stack">
      <h1 id="title">{t('licence.title', { name: licence.name })}</h1>
      {licence.traceable ? (
        <>
          {downloadPath ? (
            <p className="notice warn" role="status">
              {signedIn ? t('licence.fileReady') : t('licence.fileNeedsIdentity')}
            </p>
          ) : null}
          <p>{t('licence.traceableIntro')}</p>
          <ul>
            <li>{t('licence.traceableFree')}</li>
            <li>{t('licence.traceableLogged')}</li>
            <li>{t('licence.traceablePublisher')}</li>
          </ul>
          <section aria-labelledby="how-title">
            <h2 id="how-title">{t('licence.howTitle')}</h2>
            <ol>
              <li>
                {signedIn ? (
                  t('licence.stepSignedIn')
                ) : (
                  <>
                    <Link to={`/inscription`}>{t('licence.stepSignUp')}</Link> {t('licence.or')}{' '}
                    <Link to={`/connexion?redirectTo=${encodeURIComponent(back)}`}>
                      {t('licence.stepSignIn')}
                    </Link>
                  </>
                )}
              </li>
              <li>
                {t('licence.stepBrowser')}
                {downloadPath && signedIn ? (
                  <>
                    {' '}
                    <a href={downloadPath}>{t('licence.downloadNow')}</a>
                  </>
                ) : null}
              </li>
              <li>
                <Link to="/compte/cles">{t('licence.stepKey')}</Link> {t('licence.stepKeyHint')}
              </li>
            </ol>
            <p>{t('licence.curlIntro')}</p>
            <pre tabIndex={0}>
              <code>{`curl -H "Authorization: Bearer td_pk_…" -O ${origin}${downloadPath ?? '/datasets/…/telecharger/…'}`}</code>
            </pre>
            <p className="hint">{t('licence.neverInUrl')}</p>
          </section>
        </>
      ) : (
        <p>{t('licence.openIntro')}</p>
      )}
      <p>
        <a href={licence.url} rel="noopener noreferrer">
          {t('licence.fullText', { name: licence.name })}
        </a>
      </p>
    </article>
  );
}
