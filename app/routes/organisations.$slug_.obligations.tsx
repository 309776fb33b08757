// /organisations/:slug/obligations — the contractor's dashboard: what its public contracts
// require it to deliver (overdue, soon due, upcoming, awaiting moderation, delivered), and
// the form that links one of its contributions to a due date. Members only; an unknown
// organisation answers 403 like one the caller does not belong to.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import {
  contractorDashboard,
  DeliveryError,
  linkDelivery,
} from '~/domain/contracts/fulfilment.server';
import { contractsT } from '~/domain/contracts/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { requireOrgMember } from '~/domain/identity/permissions.server';
import { getOrganizationBySlug } from '~/domain/organizations/organizations.server';

export const handle: RouteHandle = { access: 'member', i18n: 'contracts' };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: `${d?.title ?? ''} — terridata` },
];

async function guard(args: LoaderFunctionArgs) {
  const org = await getOrganizationBySlug(args.context.db, args.params.slug ?? '');
  const user = await requireOrgMember(args.context, args.request, org?.id ?? '');
  return { org: org!, user };
}

export async function loader(args: LoaderFunctionArgs) {
  const { org, user } = await guard(args);
  const t = await contractsT(args.request);
  const d = await contractorDashboard(args.context.db, org.id, user.id);
  const view = (o: (typeof d.open)[number]) => ({
    id: o.id,
    obligationId: o.obligationId,
    dueOn: o.dueOn,
    status: o.status,
    datasetTitle: o.obligation.datasetTitle,
    datasetSlug: o.obligation.datasetSlug,
    contract: `${o.obligation.contractTitle} (${o.obligation.contractReference})`,
    publicBody: o.obligation.publicBodyName,
    expectedFormat: o.obligation.expectedFormat,
    deliveries: o.deliveries,
  });
  return {
    title: t('dashboard.title', { name: org.name }),
    org: { name: org.name, slug: org.slug },
    hasObligations: d.obligations.length > 0,
    counts: d.counts,
    open: d.open.map(view),
    done: d.done.map(view),
    linkable: d.linkable,
  };
}

const linkForm = z.object({
  obligationId: z.uuid(),
  dueOn: z.string().max(10),
  contributionId: z.string().max(100),
});

export async function action(args: ActionFunctionArgs) {
  const { user } = await guard(args);
  const t = await contractsT(args.request);
  const parsed = linkForm.safeParse(Object.fromEntries(await args.request.formData()));
  if (!parsed.success)
    return data(
      { ok: false as const, occurrence: null, error: t('contracts:errors.contribution') },
      { status: 400 },
    );
  const v = parsed.data;
  try {
    const r = await linkDelivery(
      args.context.db,
      user,
      v.obligationId,
      { contributionId: v.contributionId, dueOn: v.dueOn },
      t,
    );
    return { ok: true as const, occurrence: r.occurrenceId, error: null, dueOn: r.dueOn };
  } catch (e) {
    if (e instanceof DeliveryError) {
      const msg = Object.values(e.fieldErrors)[0]?.[0] ?? t('contracts:errors.contribution');
      return data(
        { ok: false as const, occurrence: `${v.obligationId}:${v.dueOn}`, error: msg },
        { status: e.code === 'not_found' ? 404 : 422 },
      );
    }
    throw e;
  }
}

export default function Obligations() {
  const { t, i18n } = useTranslation('contracts');
  const { title, org, hasObligations, counts, open, done, linkable } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  const date = (iso: string) =>
    new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
      dateStyle: 'long',
      timeZone: 'UTC',
    }).format(new Date(`${iso}T00:00:00Z`));
  return (
    <div className="stack wide">
      <h1>{title}</h1>
      <p>{t('dashboard.intro', { name: org.name })}</p>
      {result?.ok ? (
        <p role="status" className="notice">
          {t('dashboard.linked', { date: date(result.dueOn) })}
        </p>
      ) : null}
      {!hasObligations ? (
        <p>{t('dashboard.none')}</p>
      ) : (
        <>
          <p data-testid="counts">
            {t('dashboard.counts', {
              overdue: counts.overdue,
              soon: counts.soon_due,
              upcoming: counts.upcoming,
            })}
          </p>
          <h2>{t('dashboard.open')}</h2>
          {open.length === 0 ? <p>{t('dashboard.nothingOpen')}</p> : null}
          {open.map((o) => {
            const fieldId = `link-${o.id}`;
            const errorHere =
              result && !result.ok && result.occurrence === `${o.obligationId}:${o.dueOn}`;
            return (
              <section
                key={o.id}
                className="card"
                aria-labelledby={`h-${o.id}`}
                data-testid="occurrence"
                data-status={o.status}
              >
                <h3 id={`h-${o.id}`}>
                  {o.datasetTitle} — {date(o.dueOn)}{' '}
                  <span className={`status status-${o.status}`}>{t(`status.${o.status}`)}</span>
                </h3>
                <p>
                  {t('dashboard.contract')} : {o.contract} · {o.publicBody} · {o.expectedFormat}
                </p>
                {o.deliveries.length ? (
                  <p>
                    {t('dashboard.deliveries')} :{' '}
                    {o.deliveries.map((d, i) => (
                      <span key={d.contributionId}>
                        {i ? ', ' : ''}
                        <Link to={`/compte/contributions/${d.contributionId}`}>
                          {d.title || d.contributionId}
                        </Link>{' '}
                        ({d.state})
                      </span>
                    ))}
                  </p>
                ) : null}
                {linkable.length ? (
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="obligationId" value={o.obligationId} />
                    <input type="hidden" name="dueOn" value={o.dueOn} />
                    <label htmlFor={fieldId}>
                      {t('dashboard.linkLabel', { date: date(o.dueOn) })}
                    </label>{' '}
                    <select
                      id={fieldId}
                      name="contributionId"
                      required
                      aria-describedby={errorHere ? `${fieldId}-error` : undefined}
                      aria-invalid={errorHere || undefined}
                    >
                      <option value="">{t('dashboard.chooseContribution')}</option>
                      {linkable.map((c) => (
                        <option key={c.id} value={c.id}>
                          {c.title || c.id} ({c.state})
                        </option>
                      ))}
                    </select>{' '}
                    <button type="submit" disabled={busy}>
                      {t('dashboard.link')}
                    </button>
                    {errorHere ? (
                      <p id={`${fieldId}-error`} className="field-error" role="alert">
                        {result.error}
                      </p>
                    ) : null}
                  </Form>
                ) : (
                  <p>
                    {t('dashboard.noLinkable')}{' '}
                    <Link to="/contribuer">{t('dashboard.contribute')}</Link>
                  </p>
                )}
              </section>
            );
          })}
          {done.length ? (
            <>
              <h2>{t('dashboard.done')}</h2>
              <ul>
                {done.map((o) => (
                  <li key={o.id}>
                    {o.datasetSlug ? (
                      <Link to={`/datasets/${o.datasetSlug}`}>{o.datasetTitle}</Link>
                    ) : (
                      o.datasetTitle
                    )}{' '}
                    — {date(o.dueOn)} :{' '}
                    <span className={`status status-${o.status}`}>{t(`status.${o.status}`)}</span>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      )}
      <p>
        <Link to="/transparence">{t('list.transparency')}</Link>
      </p>
    </div>
  );
}
