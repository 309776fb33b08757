import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { Form, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { LegalPageView } from '~/components/identity/legal-page';
import type { RouteHandle } from '~/domain/identity/access';
import { safeRedirect } from '~/domain/identity/identity.schema';
import { requireUser } from '~/domain/identity/permissions.server';
import { acceptTerms, currentTermsVersion } from '~/domain/legal/legal.server';
import { loadLegalPage } from '~/domain/legal/legal-route.server';

// Shown after sign-in when the terms of use changed since the account accepted them.
export const handle: RouteHandle = { access: 'signed-in', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.page.title }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args.context, args.request);
  const page = await loadLegalPage(args, 'conditions');
  return {
    page: { ...page, canEdit: false },
    accepted: (user.termsVersion ?? 0) >= page.version,
    redirectTo: safeRedirect(new URL(args.request.url).searchParams.get('redirectTo'), '/compte'),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const version = await currentTermsVersion(context.db);
  await acceptTerms(context.db, user.id, version);
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '/compte');
  return redirect(redirectTo === '/compte' ? '/compte?info=conditions' : redirectTo);
}

export default function AcceptTerms() {
  const { t } = useTranslation('identity');
  const { page, accepted } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="notice warn" role="status">
        {accepted ? t('terms.accepted') : t('terms.acceptIntro', { version: page.version })}
      </p>
      <LegalPageView page={page} showVersion />
      {accepted ? null : (
        <Form method="post">
          <button type="submit">{t('terms.accept')}</button>
        </Form>
      )}
    </>
  );
}
