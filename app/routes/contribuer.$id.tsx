// /contribuer/:id — the contribution wizard: description → files → review and submit.
// Drafts are saved on the server at every step; leaving the page loses nothing.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import uppyCoreCss from '@uppy/core/css/style.min.css?url';
import uppyDashboardCss from '@uppy/dashboard/css/style.min.css?url';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FileReport } from '~/components/contributions/file-report';
import { MarkdownText } from '~/components/markdown-text';
import { MetadataFields } from '~/components/contributions/metadata-form';
import type { FieldErrors } from '~/components/contributions/metadata-form';
import UploadWidget from '~/components/upload-widget.client';
import { draftFromFormData, metadataSchema } from '~/domain/contributions/contributions.schema';
import type { DraftMetadata } from '~/domain/contributions/contributions.schema';
import {
  contributableOrganizations,
  ContributionError,
  detachUpload,
  discardDraft,
  getContributionFor,
  saveDraft,
  submitContribution,
} from '~/domain/contributions/contributions.server';
import type { FileItem } from '~/domain/contributions/files.server';
import { contributionsT, referencesFor, refusalMessage } from '~/domain/contributions/http.server';
import { editableStates } from '~/domain/contributions/state-machine';
import type { RouteHandle } from '~/domain/identity/access';
import { requireUser } from '~/domain/identity/session.server';
import { getUploadSettings } from '~/domain/uploads/upload-settings.server';

export const handle: RouteHandle = { access: 'signed-in', i18n: 'contributions' };

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: uppyCoreCss },
  { rel: 'stylesheet', href: uppyDashboardCss },
];

const steps = ['description', 'fichiers', 'verification'] as const;
type Step = (typeof steps)[number];
const parseStep = (v: string | null): Step => (steps as readonly string[]).includes(v ?? '') ? (v as Step) : 'description';

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.pageTitle ?? ''} — terridata` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const detail = await getContributionFor(context.db, user.id, params.id ?? '');
  if (!detail) throw new Response('Not found', { status: 404 });
  if (!detail.mine || !editableStates.includes(detail.state)) throw redirect(`/compte/contributions/${detail.id}`);
  const url = new URL(request.url);
  const t = await contributionsT(request);
  const { data: refs } = await referencesFor(context, request);
  const working = detail.revisions[0]!;
  const settings = getUploadSettings(context);
  return {
    pageTitle: detail.kind === 'dataset_update' ? t('contributions:wizard.updateTitle') : t('contributions:wizard.title'),
    contribution: { id: detail.id, kind: detail.kind, state: detail.state, title: detail.title },
    draft: working.metadata,
    files: working.files,
    refs,
    organizations: await contributableOrganizations(context.db, user.id),
    step: parseStep(url.searchParams.get('etape')),
    saved: url.searchParams.get('enregistre') === '1',
    upload: {
      endpoint: settings.endpoint,
      chunkBytes: settings.chunkBytes,
      maxBytes: settings.maxBytes.dataset,
      extensions: settings.extensions.dataset,
    },
  };
}

type ActionResult = { errors?: FieldErrors; message?: string };

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const id = params.id ?? '';
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const t = await contributionsT(request);
  const here = `/contribuer/${id}`;
  try {
    switch (intent) {
      case 'save':
      case 'continue': {
        await saveDraft(context.db, user, id, draftFromFormData(form));
        if (intent === 'save') return redirect(`${here}?etape=description&enregistre=1`);
        const detail = await getContributionFor(context.db, user.id, id);
        const { lists } = await referencesFor(context, request);
        const parsed = metadataSchema(t, lists).safeParse(detail!.revisions[0]!.metadata);
        if (!parsed.success) {
          const errors: FieldErrors = {};
          for (const i of parsed.error.issues) (errors[i.path.join('.')] ??= []).push(i.message);
          return data<ActionResult>({ errors, message: t('contributions:wizard.metadataIncomplete') }, { status: 400 });
        }
        return redirect(`${here}?etape=fichiers`);
      }
      case 'detach':
        await detachUpload(context.db, user, id, String(form.get('uploadId') ?? ''));
        return redirect(`${here}?etape=fichiers`);
      case 'submit': {
        const { lists } = await referencesFor(context, request);
        await submitContribution(context.db, user, id, t, lists);
        return redirect(`/compte/contributions/${id}?soumise=1`);
      }
      case 'discard':
        await discardDraft(context.db, user, id);
        return redirect('/compte/contributions');
      default:
        return data<ActionResult>({ message: t('common:form.invalid') }, { status: 400 });
    }
  } catch (e) {
    if (e instanceof ContributionError) {
      if (e.code === 'not_found') throw new Response('Not found', { status: 404 });
      return data<ActionResult>({ errors: e.fieldErrors, message: refusalMessage(t, e) }, { status: e.code === 'already_submitted' ? 409 : 400 });
    }
    throw e;
  }
}

async function fetchFiles(id: string): Promise<FileItem[]> {
  const res = await fetch(`/api/v1/contributions/${id}`, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET /api/v1/contributions/${id}: ${res.status}`);
  const body = (await res.json()) as { revisions: { files: FileItem[] }[] };
  return body.revisions[0]?.files ?? [];
}

const pending = (files: FileItem[]) => files.some((f) => f.status === 'uploading' || f.status === 'complete');

function StepNav({ step, id }: { step: Step; id: string }) {
  const { t } = useTranslation('contributions');
  const labels: Record<Step, string> = {
    description: t('wizard.stepMetadata'),
    fichiers: t('wizard.stepFiles'),
    verification: t('wizard.stepReview'),
  };
  return (
    <nav aria-label={t('wizard.steps')}>
      <ol className="steps">
        {steps.map((s) => (
          <li key={s}>
            {s === step ? (
              <span aria-current="step">
                {labels[s]} <span className="visually-hidden">({t('wizard.current')})</span>
              </span>
            ) : (
              <Link to={`/contribuer/${id}?etape=${s}`}>{labels[s]}</Link>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function ErrorSummary({ message, errors }: { message?: string; errors?: FieldErrors }) {
  const list = Object.entries(errors ?? {}).flatMap(([k, v]) => (v ?? []).map((m) => `${k}: ${m}`));
  if (!message && !list.length) return null;
  return (
    <div className="notice error" role="alert" tabIndex={-1}>
      {message ? <p>{message}</p> : null}
      {list.length ? (
        <ul>
          {[...new Set(Object.values(errors ?? {}).flatMap((v) => v ?? []))].map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function DescriptionStep() {
  const { t } = useTranslation('contributions');
  const { draft, refs, organizations, files, saved } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionResult | undefined;
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const suggested = [...new Set(files.flatMap((f) => f.columns))].slice(0, 200);
  return (
    <Form method="post" className="stack wide" noValidate>
      {saved && !actionData ? (
        <p className="notice ok" role="status">
          {t('wizard.draftSaved')}
        </p>
      ) : null}
      <ErrorSummary message={actionData?.message} errors={actionData?.errors} />
      <MetadataFields
        draft={draft as DraftMetadata}
        errors={actionData?.errors ?? {}}
        refs={refs}
        organizations={organizations}
        suggestedColumns={suggested}
      />
      <div className="button-row">
        <button type="submit" name="intent" value="continue" disabled={busy}>
          {t('wizard.continue')}
        </button>
        <button type="submit" name="intent" value="save" className="secondary" disabled={busy}>
          {t('wizard.saveDraft')}
        </button>
      </div>
    </Form>
  );
}

function FilesStep() {
  const { t } = useTranslation(['contributions', 'uploads']);
  const { contribution, files: initial, upload } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionResult | undefined;
  const queryClient = useQueryClient();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const { data: files = initial } = useQuery({
    queryKey: ['contribution-files', contribution.id],
    queryFn: () => fetchFiles(contribution.id),
    initialData: initial,
    refetchInterval: (q) => (pending(q.state.data ?? []) ? 1_500 : false),
  });
  // Each finished upload is attached through the API (one request per file: several files
  // finish together, and a single fetcher would cancel all but the last).
  const attachUploaded = async (uploadId: string) => {
    await fetch(`/api/v1/contributions/${contribution.id}/files`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ uploadId }),
    });
    await queryClient.invalidateQueries({ queryKey: ['contribution-files', contribution.id] });
  };
  const uppyStrings = useMemo(() => {
    const s = t('uploads:uppy', { returnObjects: true }) as unknown;
    return typeof s === 'object' && s ? (s as Record<string, string>) : undefined;
  }, [t]);

  return (
    <div className="stack wide">
      <p>{t('wizard.filesHelp')}</p>
      <ErrorSummary message={actionData?.message} errors={actionData?.errors} />
      {hydrated ? (
        <UploadWidget
          purpose="dataset"
          endpoint={upload.endpoint}
          chunkBytes={upload.chunkBytes}
          maxBytes={upload.maxBytes}
          extensions={upload.extensions}
          strings={uppyStrings}
          label={t('uploads:widget.label')}
          formatError={(name, message) => t('uploads:widget.failed', { name, message: message || t('uploads:refusal.generic') })}
          onUploaded={(file) => {
            const uploadId = file.uploadUrl?.split('/').filter(Boolean).pop();
            if (uploadId) void attachUploaded(uploadId);
          }}
        />
      ) : (
        <p className="notice">{t('uploads:page.noScript')}</p>
      )}
      <section aria-labelledby="files-title" aria-live="polite" className="stack">
        <h2 id="files-title">{t('fields.files')}</h2>
        {files.length === 0 ? <p>{t('wizard.noFiles')}</p> : null}
        {files.map((f) => (
          <FileReport key={f.id} file={f}>
            <Form method="post">
              <input type="hidden" name="uploadId" value={f.id} />
              <button type="submit" name="intent" value="detach" className="secondary">
                {t('wizard.remove')} <span className="visually-hidden">{f.filename}</span>
              </button>
            </Form>
          </FileReport>
        ))}
      </section>
      <p className="button-row">
        <Link className="button secondary" to={`/contribuer/${contribution.id}?etape=description`}>
          {t('wizard.back')}
        </Link>
        <Link className="button" to={`/contribuer/${contribution.id}?etape=verification`}>
          {t('wizard.stepReview')}
        </Link>
      </p>
    </div>
  );
}

function ReviewStep() {
  const { t } = useTranslation('contributions');
  const { contribution, draft: d, files, refs, organizations } = useLoaderData<typeof loader>();
  const draft = d as DraftMetadata;
  const actionData = useActionData<typeof action>() as ActionResult | undefined;
  const navigation = useNavigation();
  const missing = <em>{t('wizard.missing')}</em>;
  const themeLabel = (c: string) => refs.themes.find((x) => x.code === c)?.label ?? c;
  const communeLabel = (c: string) => (c === '200046977' ? t('fields.wholeMetropole') : (refs.communes.find((x) => x.code === c)?.name ?? c));
  const rows: [string, React.ReactNode][] = [
    [t('fields.title'), draft.title || missing],
    [t('fields.description'), draft.description ? <MarkdownText>{draft.description}</MarkdownText> : missing],
    [t('fields.themes'), draft.themes?.length ? draft.themes.map(themeLabel).join(', ') : missing],
    [t('fields.keywords'), draft.keywords?.length ? draft.keywords.join(', ') : missing],
    [t('fields.communes'), draft.communes?.length ? draft.communes.map(communeLabel).join(', ') : missing],
    [t('fields.licence'), refs.licences.find((l) => l.id === draft.licence)?.name ?? missing],
    [t('fields.updateFrequency'), draft.updateFrequency ? t(`frequencies.${draft.updateFrequency}`) : missing],
    [t('fields.organization'), organizations.find((o) => o.id === draft.organizationId)?.name ?? t('fields.individual')],
    [t('fields.contactName'), draft.contactName || missing],
    [t('fields.contactEmail'), draft.contactEmail || missing],
  ];
  return (
    <div className="stack wide">
      <p>{t('wizard.reviewHelp')}</p>
      <ErrorSummary message={actionData?.message} errors={actionData?.errors} />
      <dl className="summary">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <h2>{t('fields.files')}</h2>
      {files.length === 0 ? <p>{t('wizard.noFiles')}</p> : files.map((f) => <FileReport key={f.id} file={f} />)}
      <Form method="post" className="button-row">
        <Link className="button secondary" to={`/contribuer/${contribution.id}?etape=fichiers`}>
          {t('wizard.back')}
        </Link>
        <button type="submit" name="intent" value="submit" disabled={navigation.state === 'submitting'}>
          {t('wizard.submit')}
        </button>
      </Form>
      {contribution.state === 'draft' ? (
        <Form method="post">
          <button type="submit" name="intent" value="discard" className="danger">
            {t('wizard.discard')}
          </button>
        </Form>
      ) : null}
    </div>
  );
}

export default function Wizard() {
  const { t } = useTranslation('contributions');
  const { pageTitle, contribution, step } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="wizard-title" className="stack wide">
      <h1 id="wizard-title">{pageTitle}</h1>
      {contribution.state === 'changes_requested' ? <p className="notice warn">{t('states.changes_requested')}</p> : null}
      <StepNav step={step} id={contribution.id} />
      {step === 'description' ? <DescriptionStep /> : step === 'fichiers' ? <FilesStep /> : <ReviewStep />}
    </section>
  );
}
