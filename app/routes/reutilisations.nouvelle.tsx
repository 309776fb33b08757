import { getFormProps, getInputProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import {
  MaxPartSizeExceededError,
  data,
  redirect,
  unstable_createMemoryUploadHandler as createMemoryUploadHandler,
  unstable_parseMultipartFormData as parseMultipartFormData,
} from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import {
  FieldError,
  FormErrors,
  SelectField,
  TextAreaField,
  TextField,
} from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import type { RouteHandle } from '~/domain/identity/access';
import type { Translate } from '~/domain/identity/identity.schema';
import { requireUser } from '~/domain/identity/permissions.server';
import { REUSE_IMAGE_MAX_BYTES, reuseKinds, reuseSchema } from '~/domain/reuses/reuses.schema';
import { ReuseError, declareReuse, resolveDatasets } from '~/domain/reuses/reuses.server';
import { consumeRateLimit } from '~/domain/security/rate-limit.server';
import { getT } from '~/i18n/i18n.server';

// /reutilisations/nouvelle[?jeu=slug] — declare a reuse: title, link (http or https only),
// description, kind, the datasets used (one or more published ones), an optional image.
export const handle: RouteHandle = { access: 'signed-in', i18n: ['reuses', 'identity'] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

const reusesT = async (request: Request) =>
  (await getT(request, ['reuses', 'identity'])) as unknown as Translate;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(context, request);
  const t = await reusesT(request);
  const jeu = new URL(request.url).searchParams.get('jeu');
  const prefilled = jeu ? (await resolveDatasets(context.db, [jeu])).found : [];
  return { title: t('reuse.declareTitle'), prefilled };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const t = await reusesT(request);
  let formData: FormData;
  try {
    formData = await parseMultipartFormData(
      request,
      createMemoryUploadHandler({ maxPartSize: REUSE_IMAGE_MAX_BYTES }),
    );
  } catch (e) {
    if (e instanceof MaxPartSizeExceededError) {
      return data(
        {
          result: {
            status: 'error' as const,
            error: { image: [t('reuses:reuse.errors.imageTooLarge')] },
          },
        },
        { status: 413 },
      );
    }
    throw e;
  }
  const submission = parseWithZod(formData, { schema: reuseSchema(t) });
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 });
  // Each declaration notifies publishers: a person declares at most 20 reuses a day.
  const limit = await consumeRateLimit(context.db, `reuse:${user.id}`, {
    limit: 20,
    windowSeconds: 86_400,
  });
  if (!limit.allowed) {
    return data(
      { result: submission.reply({ formErrors: [t('reuses:reuse.errors.tooMany')] }) },
      { status: 429, headers: { 'Retry-After': String(limit.retryAfter) } },
    );
  }
  const file = formData.get('image');
  const image =
    file instanceof File && file.size > 0 ? Buffer.from(await file.arrayBuffer()) : null;
  try {
    const { id } = await declareReuse(context.db, user.id, submission.value, {
      storage: context.storage,
      image,
      publicUrl: context.config.publicUrl,
    });
    return redirect(`/reutilisations/${id}?info=declaree`);
  } catch (e) {
    if (e instanceof ReuseError) {
      const field = e.code === 'bad_image' ? 'image' : 'datasets';
      const message =
        e.code === 'unknown_datasets'
          ? t('reuses:reuse.errors.unknownDatasets', {
              refs: ((e.details.unknown as string[]) ?? []).join(', '),
            })
          : t(`reuses:reuse.errors.${e.code === 'bad_image' ? 'badImage' : 'noDataset'}`);
      return data(
        { result: submission.reply({ fieldErrors: { [field]: [message] } }) },
        { status: 400 },
      );
    }
    throw e;
  }
}

export default function DeclareReuse() {
  const { t } = useTranslation('reuses');
  const { prefilled } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(reuseSchema, actionData?.result as never, {
    defaultValue: { datasets: prefilled.map((d) => d.slug).join('\n') },
  });
  const image = fields.image as unknown as Parameters<typeof FieldError>[0]['meta'];
  return (
    <section aria-labelledby="title" className="stack">
      <h1 id="title">{t('reuse.declareTitle')}</h1>
      <p>{t('reuse.declareIntro')}</p>
      {prefilled.length ? (
        <p className="notice">
          {t('reuse.prefilled', { titles: prefilled.map((d) => d.title).join(', ') })}
        </p>
      ) : null}
      <Form method="post" encType="multipart/form-data" className="stack" {...getFormProps(form)}>
        <FormErrors errors={form.errors} />
        <TextField meta={fields.title} label={t('reuse.fields.title')} />
        <TextField
          meta={fields.url}
          label={t('reuse.fields.url')}
          hint={t('reuse.fields.urlHint')}
          type="url"
        />
        <SelectField
          meta={fields.kind}
          label={t('reuse.fields.kind')}
          emptyLabel=""
          options={reuseKinds.map((k) => ({ value: k, label: t(`kinds.${k}`) }))}
        />
        <TextAreaField meta={fields.description} label={t('reuse.fields.description')} rows={4} />
        <TextAreaField
          meta={fields.datasets}
          label={t('reuse.fields.datasets')}
          hint={t('reuse.fields.datasetsHint')}
          rows={3}
        />
        <div>
          <label htmlFor="reuse-image">{t('reuse.fields.image')}</label>
          <p id="reuse-image-hint" className="hint">
            {t('reuse.fields.imageHint')}
          </p>
          <input
            {...getInputProps(image, { type: 'file' })}
            id="reuse-image"
            accept="image/jpeg,image/png,image/webp"
            aria-describedby={
              image.errors?.length ? `reuse-image-hint ${image.errorId}` : 'reuse-image-hint'
            }
          />
          <FieldError meta={image} />
        </div>
        <button type="submit">{t('reuse.declare')}</button>
      </Form>
    </section>
  );
}
