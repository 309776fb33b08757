import { data, redirect } from '@remix-run/node';
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import Markdown from 'react-markdown';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import leafletCss from 'leaflet/dist/leaflet.css?url';
import catalogueCss from '~/components/catalogue/catalogue.css?url';
import { CatalogueMap } from '~/components/catalogue/CatalogueMap';
import { DatasetReuses, TraceableNotice } from '~/components/reuses/DatasetReuses';
import { communeOutlines, getDatasetPage, previewDistribution } from '~/domain/catalogue/dataset-page.server';
import { archiveDataset, canManageDataset, restoreDataset, UpkeepError } from '~/domain/catalogue/upkeep.server';
import type { RouteHandle } from '~/domain/identity/access';
import { getSessionUser, requireUser } from '~/domain/identity/permissions.server';
import { reportPublishedItem, reportReasons } from '~/domain/moderation/reports.server';
import { ModerationError } from '~/domain/moderation/moderation.server';
import { listReuses } from '~/domain/reuses/reuses.server';
import { getLanguage, getT } from '~/i18n/i18n.server';

// /datasets/:slug — a dataset's public page: description, provenance, licence, coverage
// map, versions, files with a preview, quality; "propose an update" and "report" for
// signed-in users; archive/restore for the publisher's admins. A retracted dataset shows its
// tombstone (410).
export const handle: RouteHandle = { access: 'public', i18n: ['catalogue', 'reuses'] };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: leafletCss },
  { rel: 'stylesheet', href: catalogueCss },
];

/** The machine-readable representations of a dataset: its page links to them, and announces them in <head>. */
function apiRepresentations(slug: string) {
  const s = encodeURIComponent(slug);
  return [
    { key: 'apiV1', href: `/api/v1/datasets/${s}`, type: 'application/json' },
    { key: 'dcatJsonLd', href: `/catalog/datasets/${s}?format=jsonld`, type: 'application/ld+json' },
    { key: 'dcatTurtle', href: `/catalog/datasets/${s}?format=ttl`, type: 'text/turtle' },
    { key: 'dcatRdfXml', href: `/catalog/datasets/${s}?format=rdf`, type: 'application/rdf+xml' },
    { key: 'ckan', href: `/api/3/action/package_show?id=${s}`, type: 'application/json' },
  ] as const;
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.title },
  ...(data && 'description' in data && data.description ? [{ name: 'description', content: data.description }] : []),
  ...(data?.dataset
    ? apiRepresentations(data.dataset.slug)
        .filter((r) => r.key !== 'ckan')
        .map((r) => ({ tagName: 'link', rel: 'alternate', type: r.type, href: r.href }))
    : []),
];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const lng = await getLanguage(request);
  const t = await getT(request, 'catalogue');
  const page = await getDatasetPage(context.db, params.slug ?? '', lng);
  if (!page) throw new Response('Not found', { status: 404 });
  if (page.state === 'retracted') {
    return data({ title: t('tombstone.title', { title: page.title }), tombstone: page, dataset: null, description: '' } as const, { status: 410 });
  }
  const user = await getSessionUser(context, request);
  const url = new URL(request.url);
  const wanted = url.searchParams.get('apercu');
  const previewable = page.distributions.filter((d) => ['csv', 'tsv', 'txt', 'geojson', 'json'].includes(d.format));
  const target = previewable.find((d) => d.id === wanted) ?? previewable[0] ?? null;
  const [outlines, preview, canManage] = await Promise.all([
    communeOutlines(context.db, page.communes.map((c) => c.code)),
    target ? previewDistribution(context.db, context.storage, page.slug, target.id).catch(() => null) : Promise.resolve(null),
    user ? canManageDataset(context.db, user.id, page.id) : Promise.resolve(false),
  ]);
  return {
    title: page.title,
    description: page.description.slice(0, 200),
    tombstone: null,
    dataset: page,
    outlines,
    preview: preview ? { ...preview, distributionId: target!.id, filename: target!.filename } : null,
    signedIn: Boolean(user),
    canManage,
    info: url.searchParams.get('info'),
    reasons: reportReasons,
    reuses: await listReuses(context.db, { datasetId: page.id, limit: 12 }),
  };
}

const actionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('archive'), reason: z.string().trim().min(3, 'reasonRequired').max(1000, 'tooLong') }),
  z.object({ intent: z.literal('restore') }),
  z.object({
    intent: z.literal('report'),
    reason: z.enum(reportReasons, { error: 'reportReason' }),
    comment: z.string().trim().min(5, 'reportComment').max(4000, 'tooLong'),
  }),
]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await getT(request, 'catalogue');
  const page = await getDatasetPage(context.db, params.slug ?? '');
  if (!page || page.state !== 'published') throw new Response('Not found', { status: 404 });
  const form = Object.fromEntries(await request.formData());
  const parsed = actionSchema.safeParse(form);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const i of parsed.error.issues) {
      const key = String(i.path[0] ?? 'form');
      fieldErrors[key] ??= t(`errors.${i.message}`, { defaultValue: t('errors.invalid') });
    }
    return data({ intent: String(form.intent ?? ''), fieldErrors }, { status: 400 });
  }
  const input = parsed.data;
  try {
    if (input.intent === 'report') {
      await reportPublishedItem(context.db, user.id, page.currentContributionId, { reason: input.reason, comment: input.comment });
      return redirect(`/datasets/${page.slug}?info=signale`);
    }
    if (input.intent === 'archive') await archiveDataset(context.db, user.id, page.id, input.reason);
    else await restoreDataset(context.db, user.id, page.id);
    return redirect(`/datasets/${page.slug}?info=${input.intent === 'archive' ? 'archive' : 'restaure'}`);
  } catch (e) {
    if (e instanceof UpkeepError && e.code === 'forbidden') throw new Response('Forbidden', { status: 403 });
    if (e instanceof UpkeepError || e instanceof ModerationError) {
      return data({ intent: input.intent, fieldErrors: { form: t(`errors.${e.code}`, { defaultValue: t('errors.invalid') }) } as Record<string, string> }, { status: 409 });
    }
    throw e;
  }
}

const formatSize = (n: number, lng: string) => {
  const units = lng === 'en' ? ['B', 'KB', 'MB', 'GB'] : ['o', 'Ko', 'Mo', 'Go'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toLocaleString(lng, { maximumFractionDigits: i ? 1 : 0 })} ${units[i]}`;
};

function Tombstone({ t: tomb }: { t: { title: string; retractedAt: Date; reason: string } }) {
  const { t, i18n } = useTranslation('catalogue');
  return (
    <article aria-labelledby="title" className="tombstone">
      <h1 id="title">{t('tombstone.heading')}</h1>
      <p>
        <strong>{tomb.title}</strong>
      </p>
      <p>{t('tombstone.when', { date: new Date(tomb.retractedAt).toLocaleDateString(i18n.language) })}</p>
      <p>{t('tombstone.why', { reason: tomb.reason || '—' })}</p>
      <p>
        <Link to="/datasets">{t('tombstone.back')}</Link>
      </p>
    </article>
  );
}

export default function DatasetPageView() {
  const { t, i18n } = useTranslation('catalogue');
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  if (loaded.tombstone) return <Tombstone t={loaded.tombstone} />;
  const { dataset: d, outlines, preview, signedIn, canManage, info, reasons, reuses } = loaded as Exclude<typeof loaded, { dataset: null }>;
  const lng = i18n.language;
  const date = (x: Date | string) => new Date(x).toLocaleDateString(lng);
  const errors = (actionData?.fieldErrors ?? {}) as Record<string, string>;
  const current = d.versions.find((v) => v.current);
  return (
    <article aria-labelledby="title" className="dataset-page">
      <h1 id="title">{d.title}</h1>
      {info ? (
        <p className="notice ok" role="status">
          {t(`info.${info}`, { defaultValue: '' })}
        </p>
      ) : null}
      {d.archived ? (
        <p className="notice warn">
          {t('archivedNotice', { date: date(d.archived.at), reason: d.archived.reason })}
        </p>
      ) : null}
      <p className="dataset-meta">
        {d.publisher ? (
          <>
            {t('page.publishedBy')} <Link to={`/organisations/${d.publisher.slug}`}>{d.publisher.name}</Link>
          </>
        ) : (
          t('page.publishedByIndividual')
        )}{' '}
        · {t('page.updated', { date: date(d.updatedAt) })} · {t('page.downloads', { count: d.downloads })}
      </p>

      <section aria-labelledby="description-title">
        <h2 id="description-title">{t('page.description')}</h2>
        <div className="markdown">
          <Markdown skipHtml>{d.description}</Markdown>
        </div>
        {d.themes.length || d.keywords.length ? (
          <ul className="tags" aria-label={t('page.tags')}>
            {d.themes.map((th) => (
              <li key={th.code}>
                <Link to={`/datasets?theme=${th.code}`}>{th.label}</Link>
              </li>
            ))}
            {d.keywords.map((k) => (
              <li key={k}>
                <Link to={`/datasets?q=${encodeURIComponent(k)}`}>{k}</Link>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section aria-labelledby="facts-title">
        <h2 id="facts-title">{t('page.facts')}</h2>
        <dl>
          <dt>{t('page.licence')}</dt>
          <dd>
            {d.licence ? (
              <>
                <a href={d.licence.url} rel="noopener noreferrer">
                  {d.licence.name}
                </a>
                <p className="hint">{t(`licences.${d.licence.id}`, { defaultValue: t('licences.other') })}</p>
              </>
            ) : (
              '—'
            )}
          </dd>
          <dt>{t('page.temporal')}</dt>
          <dd>
            {d.temporalStart || d.temporalEnd
              ? t('page.temporalRange', { start: d.temporalStart ?? '…', end: d.temporalEnd ?? t('page.ongoing') })
              : t('page.notGiven')}
          </dd>
          <dt>{t('page.frequency')}</dt>
          <dd>{d.updateFrequency ? t(`frequency.${d.updateFrequency}`, { defaultValue: d.updateFrequency }) : t('page.notGiven')}</dd>
          <dt>{t('page.contact')}</dt>
          <dd>{d.contactName ?? '—'}</dd>
          <dt>{t('page.personalData')}</dt>
          <dd>{d.personalData ? t('yes') : t('no')}</dd>
        </dl>
      </section>

      <section aria-labelledby="coverage-title">
        <h2 id="coverage-title">{t('page.coverage')}</h2>
        <p>
          {d.communes.map((c, i) => (
            <span key={c.code}>
              {i ? ', ' : ''}
              <Link to={`/datasets/communes/${c.code}`}>{c.name}</Link>
            </span>
          ))}
        </p>
        <CatalogueMap
          outlines={outlines}
          features={preview && preview.kind === 'geojson' ? preview.collection : null}
          label={t('page.mapLabel', { communes: d.communes.map((c) => c.name).join(', ') })}
        />
      </section>

      <section aria-labelledby="files-title">
        <h2 id="files-title">{t('page.files')}</h2>
        {d.licence?.traceable ? <TraceableNotice licenceId={d.licence.id} /> : null}
        {d.distributions.length === 0 ? (
          <p>{t('page.noFiles')}</p>
        ) : (
          <ul className="distributions">
            {d.distributions.map((x) => (
              <li key={x.id} className="card">
                <h3>{x.filename}</h3>
                <dl>
                  <dt>{t('page.format')}</dt>
                  <dd>{x.format.toUpperCase() || '—'}</dd>
                  <dt>{t('page.size')}</dt>
                  <dd>{formatSize(x.size, lng)}</dd>
                  {x.rowCount !== null ? (
                    <>
                      <dt>{t('page.rows')}</dt>
                      <dd>{x.rowCount.toLocaleString(lng)}</dd>
                    </>
                  ) : null}
                  <dt>SHA-256</dt>
                  <dd>
                    <code className="hash">{x.sha256}</code>
                  </dd>
                  <dt>{t('page.report')}</dt>
                  <dd>
                    {x.warnings.length ? t('page.warnings', { count: x.warnings.length }) : t('page.noWarnings')}
                    {x.facts.length ? ` · ${x.facts.map((f) => `${t(`factKeys.${f.key}`, { defaultValue: f.key })} : ${f.value}`).join(' · ')}` : ''}
                  </dd>
                </dl>
                <p>
                  {d.licence?.traceable && !signedIn ? (
                    <Link to={`/licences/${encodeURIComponent(d.licence.id)}?fichier=${encodeURIComponent(x.href)}`}>{t('page.download', { file: x.filename })}</Link>
                  ) : (
                    <a href={x.href} download={x.filename}>
                      {t('page.download', { file: x.filename })}
                    </a>
                  )}
                  {['csv', 'tsv', 'txt', 'geojson', 'json'].includes(x.format) ? (
                    <>
                      {' · '}
                      <Link to={`?apercu=${x.id}#apercu`} preventScrollReset>
                        {t('page.previewLink', { file: x.filename })}
                      </Link>
                    </>
                  ) : null}
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>

      {preview ? (
        <section aria-labelledby="apercu" className="preview">
          <h2 id="apercu">{t('page.preview', { file: preview.filename })}</h2>
          {preview.kind === 'table' ? (
            <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="apercu">
              <table>
                <caption>{t('page.previewCaption', { count: preview.rows.length })}</caption>
                <thead>
                  <tr>
                    {preview.header.map((h, i) => (
                      <th key={i} scope="col">
                        {h}
                        <br />
                        <span className="hint">{t(`types.${preview.types[i]}`)}</span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {preview.rows.map((r, i) => (
                    <tr key={i}>
                      {r.map((c, j) => (
                        <td key={j}>{c}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p>
              {preview.projected
                ? t('page.geoPreviewProjected')
                : preview.featureCount === null
                  ? t('page.geoPreviewPartial', { shown: preview.shown })
                  : t('page.geoPreview', { shown: preview.shown, count: preview.featureCount })}
            </p>
          )}
        </section>
      ) : null}

      {d.columns.length ? (
        <section aria-labelledby="columns-title">
          <h2 id="columns-title">{t('page.columns')}</h2>
          <dl>
            {d.columns.map((c) => (
              <div key={c.name}>
                <dt>
                  <code>{c.name}</code>
                </dt>
                <dd>{c.description || '—'}</dd>
              </div>
            ))}
          </dl>
        </section>
      ) : null}

      <section aria-labelledby="quality-title">
        <h2 id="quality-title">{t('quality.title', { score: d.quality.score })}</h2>
        <ul className="quality">
          {d.quality.criteria.map((c) => (
            <li key={c.key}>
              <span aria-hidden="true">{c.met ? '✓' : '✗'} </span>
              {t(`quality.${c.key}`)} — <strong>{c.met ? t('quality.met') : t('quality.notMet')}</strong>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="provenance-title">
        <h2 id="provenance-title">{t('page.provenance')}</h2>
        {current ? (
          <p>
            {t('page.provenanceText', {
              submitter: current.submitter,
              organization: current.organization?.name ?? t('page.asIndividual'),
              submitted: date(current.submittedAt),
              approvers: current.autoApproved ? t('page.autoApproved') : current.approvers.join(', '),
              approved: date(current.approvedAt),
              published: date(current.publishedAt),
            })}
          </p>
        ) : null}
        <h3>{t('page.versions')}</h3>
        <ol reversed className="versions">
          {d.versions.map((v) => (
            <li key={v.id}>
              {t('page.version', { number: v.number, date: date(v.publishedAt) })}
              {v.current ? ` (${t('page.currentVersion')})` : ''} — {t(`changes.${v.changeSummary ?? 'initial'}`, { defaultValue: v.changeSummary ?? '' })} —{' '}
              {t('page.versionBy', { submitter: v.submitter, approvers: v.autoApproved ? t('page.autoApproved') : v.approvers.join(', ') })}
              {v.state === 'retracted'
                ? ` — ${t('page.versionRetracted', { date: v.retractedAt ? date(v.retractedAt) : '', reason: v.retractionReason ?? '' })}`
                : ''}
            </li>
          ))}
        </ol>
      </section>

      <DatasetReuses reuses={reuses} slug={d.slug} />

      <section aria-labelledby="api-title">
        <h2 id="api-title">{t('page.api')}</h2>
        <ul>
          {apiRepresentations(d.slug).map((r) => (
            <li key={r.key}>
              <a href={r.href} type={r.type}>
                {t(`page.apiLinks.${r.key}`)}
              </a>{' '}
              <code>{r.type}</code>
            </li>
          ))}
          <li>
            <a href={`/datasets/${d.slug}/metadonnees.json`} type="application/json">
              {t('page.apiJson')}
            </a>
          </li>
        </ul>
        <p className="hint">
          <Link to="/api">{t('page.apiDocs')}</Link>
        </p>
      </section>

      {signedIn ? (
        <section aria-labelledby="act-title">
          <h2 id="act-title">{t('page.act')}</h2>
          <p>
            <Link to={`/contribuer?jeu=${d.id}`}>{t('page.proposeUpdate')}</Link>
          </p>
          <details open={actionData?.intent === 'report'}>
            <summary>{t('report.open')}</summary>
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="report" />
              {errors.form && actionData?.intent === 'report' ? <p className="notice error">{errors.form}</p> : null}
              <div>
                <label htmlFor="report-reason">{t('report.reason')}</label>
                <select id="report-reason" name="reason" aria-describedby={errors.reason ? 'report-reason-error' : undefined} defaultValue="">
                  <option value="" disabled>
                    {t('report.choose')}
                  </option>
                  {reasons.map((r) => (
                    <option key={r} value={r}>
                      {t(`report.reasons.${r}`)}
                    </option>
                  ))}
                </select>
                {errors.reason ? (
                  <p id="report-reason-error" className="field-error">
                    {errors.reason}
                  </p>
                ) : null}
              </div>
              <div>
                <label htmlFor="report-comment">{t('report.comment')}</label>
                <textarea id="report-comment" name="comment" rows={3} maxLength={4000} aria-describedby={errors.comment ? 'report-comment-error' : undefined} />
                {errors.comment ? (
                  <p id="report-comment-error" className="field-error">
                    {errors.comment}
                  </p>
                ) : null}
              </div>
              <button type="submit" className="button secondary">
                {t('report.submit')}
              </button>
            </Form>
          </details>
        </section>
      ) : (
        <p>
          <Link to={`/connexion?redirectTo=${encodeURIComponent(`/datasets/${d.slug}`)}`}>{t('page.signInToAct')}</Link>
        </p>
      )}

      {canManage ? (
        <section aria-labelledby="upkeep-title">
          <h2 id="upkeep-title">{t('upkeep.title')}</h2>
          {errors.form && actionData?.intent !== 'report' ? <p className="notice error">{errors.form}</p> : null}
          {d.archived ? (
            <Form method="post">
              <input type="hidden" name="intent" value="restore" />
              <button type="submit">{t('upkeep.restore')}</button>
            </Form>
          ) : (
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="archive" />
              <div>
                <label htmlFor="archive-reason">{t('upkeep.reason')}</label>
                <textarea id="archive-reason" name="reason" rows={2} maxLength={1000} aria-describedby={errors.reason ? 'archive-reason-error' : 'archive-hint'} />
                <p id="archive-hint" className="hint">
                  {t('upkeep.hint')}
                </p>
                {errors.reason && actionData?.intent === 'archive' ? (
                  <p id="archive-reason-error" className="field-error">
                    {errors.reason}
                  </p>
                ) : null}
              </div>
              <button type="submit" className="button danger">
                {t('upkeep.archive')}
              </button>
            </Form>
          )}
        </section>
      ) : null}
    </article>
  );
}
