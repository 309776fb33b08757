import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { LegalPageView } from '~/components/identity/legal-page';
import type { RouteHandle } from '~/domain/identity/access';
import { loadLegalPage } from '~/domain/legal/legal-route.server';

export const handle: RouteHandle = { access: 'public', i18n: 'identity' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export const loader = (args: LoaderFunctionArgs) => loadLegalPage(args, 'donnees-personnelles');

export default function PrivacyNotice() {
  return <LegalPageView page={useLoaderData<typeof loader>()} />;
}
