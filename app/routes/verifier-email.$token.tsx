import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { verifyEmail } from '~/domain/identity/accounts.server';
import { identityT } from '~/domain/identity/http.server';
import { getSessionUser } from '~/domain/identity/session.server';
import { emailTokenIsValid } from '~/domain/identity/tokens.server';

// Opening the link shows a button; the POST confirms. (Mail scanners that follow links
// must not use up the token.)
export const handle: RouteHandle = { access: 'public', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const t = await identityT(request);
  const valid = await emailTokenIsValid(context.db, params.token ?? '', 'verify_email');
  return data({ title: t('verifyEmail.title'), valid }, { status: valid ? 200 : 410 });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const r = await verifyEmail(context.db, params.token ?? '');
  if (!r.ok) return data({ code: r.code }, { status: 410 });
  const user = await getSessionUser(context, request);
  if (user?.id === r.userId) return redirect('/compte?info=email');
  return redirect('/connexion?info=verifie');
}

export default function VerifyEmail() {
  const { t } = useTranslation('identity');
  const { valid } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <section aria-labelledby="title">
      <h1 id="title">{t('verifyEmail.title')}</h1>
      {!valid || actionData ? (
        <>
          <p className="notice error" role="alert">
            {t(actionData?.code === 'emailTaken' ? 'errors.emailTaken' : 'verifyEmail.invalidLink')}
          </p>
          <p>
            <Link to="/connexion">{t('signIn.title')}</Link>
          </p>
        </>
      ) : (
        <Form method="post" className="stack">
          <p>{t('verifyEmail.intro')}</p>
          <button type="submit">{t('verifyEmail.submit')}</button>
        </Form>
      )}
    </section>
  );
}
