// /contribuer — start a contribution: a new dataset, or (with ?jeu=<dataset id>) an update
// of a catalogue dataset. Creating the draft is a POST; the wizard takes over from there.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { ContributionError, createDraft } from '~/domain/contributions/contributions.server';
import { contributionsT } from '~/domain/contributions/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/session.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: 'contributions' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} — terridata` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(context, request);
  const t = await contributionsT(request);
  const target = new URL(request.url).searchParams.get('jeu');
  return { title: target ? t('contributions:wizard.updateTitle') : t('contributions:wizard.title'), target };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const form = await request.formData();
  const target = form.get('targetDatasetId');
  try {
    const { id } = await createDraft(context.db, user, {
      kind: typeof target === 'string' && target ? 'dataset_update' : 'new_dataset',
      targetDatasetId: typeof target === 'string' && target ? target : undefined,
      contact: { name: user.pseudonym, email: user.email },
    });
    return redirect(`/contribuer/${id}?etape=description`);
  } catch (e) {
    if (e instanceof ContributionError) throw new Response('Not found', { status: 404 });
    throw e;
  }
}

export default function StartContribution() {
  const { t } = useTranslation('contributions');
  const { title, target } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="start-title" className="stack">
      <h1 id="start-title">{title}</h1>
      <p>{t('wizard.intro')}</p>
      <ol>
        <li>{t('wizard.stepMetadata')}</li>
        <li>{t('wizard.stepFiles')}</li>
        <li>{t('wizard.stepReview')}</li>
      </ol>
      <Form method="post">
        {target ? <input type="hidden" name="targetDatasetId" value={target} /> : null}
        <button type="submit">{t('wizard.start')}</button>
      </Form>
      <p>
        <Link to="/compte/contributions">{t('mine.title')}</Link>
      </p>
    </section>
  );
}
