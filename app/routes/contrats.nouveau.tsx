// /contrats/nouveau — a public body's admin (or a platform admin) records a contract with
// an open-data clause and its obligations. One zod schema for the browser and the action
// (conform): errors field by field, in the page's language; a refusal writes nothing.
import { getFieldsetProps, getFormProps, getInputProps } from '@conform-to/react';
import type { FieldMetadata } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
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
import { contractSchema } from '~/domain/contracts/contracts.schema';
import {
  ContractError,
  contractorChoices,
  licenceChoices,
  manageablePublicBodies,
  recordContract,
} from '~/domain/contracts/contracts.server';
import { contractsT } from '~/domain/contracts/http.server';
import { frequencies } from '~/domain/contracts/schedule';
import type { RouteHandle } from '~/domain/identity/access';
import { forbidden, requireUser } from '~/domain/identity/permissions.server';

export const handle: RouteHandle = { access: 'member', i18n: 'contracts' };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: `${d?.title ?? ''} — terridata` },
];

async function guard(args: LoaderFunctionArgs) {
  const user = await requireUser(args.context, args.request);
  const bodies = await manageablePublicBodies(args.context.db, user);
  if (!bodies.length) throw forbidden(args.request);
  return { user, bodies };
}

export async function loader(args: LoaderFunctionArgs) {
  const { bodies } = await guard(args);
  const t = await contractsT(args.request);
  const [contractors, licences] = await Promise.all([
    contractorChoices(args.context.db),
    licenceChoices(args.context.db),
  ]);
  return { title: t('contracts:form.title'), bodies, contractors, licences };
}

export async function action(args: ActionFunctionArgs) {
  const { user } = await guard(args);
  const t = await contractsT(args.request);
  const submission = parseWithZod(await args.request.formData(), { schema: contractSchema(t) });
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 });
  try {
    await recordContract(args.context.db, user, submission.value, t);
  } catch (e) {
    if (e instanceof ContractError) {
      const formErrors = e.code === 'forbidden' ? [t('contracts:errors.forbidden')] : undefined;
      return data(
        { result: submission.reply({ fieldErrors: e.fieldErrors, formErrors }) },
        { status: e.code === 'forbidden' ? 403 : 400 },
      );
    }
    throw e;
  }
  const body = (await manageablePublicBodies(args.context.db, user)).find(
    (b) => b.id === submission.value.publicBodyId,
  );
  return redirect(`/transparence?organisme=${encodeURIComponent(body?.slug ?? '')}`);
}

type Meta = FieldMetadata<string | undefined, Record<string, unknown>, string[]>;

function DateField({ meta, label, hint }: { meta: Meta; label: string; hint?: string }) {
  const hintId = hint ? `${meta.id}-hint` : undefined;
  const props = getInputProps(meta, { type: 'date', ariaDescribedBy: hintId });
  const describedBy =
    [hintId, meta.errors?.length ? meta.errorId : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <div>
      <label htmlFor={meta.id}>{label}</label>
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      <input {...props} key={props.key} aria-describedby={describedBy} />
      <FieldError meta={meta} />
    </div>
  );
}

/** Due dates typed as one line (the schema splits them); shown back as typed, or joined. */
function DatesField({ meta, label, hint }: { meta: Meta; label: string; hint: string }) {
  const hintId = `${meta.id}-hint`;
  const initial = meta.initialValue as unknown;
  const value = Array.isArray(initial)
    ? initial.join(', ')
    : typeof initial === 'string'
      ? initial
      : '';
  const describedBy = [hintId, meta.errors?.length ? meta.errorId : undefined]
    .filter(Boolean)
    .join(' ');
  return (
    <div>
      <label htmlFor={meta.id}>{label}</label>
      <p id={hintId} className="hint">
        {hint}
      </p>
      <input
        type="text"
        id={meta.id}
        name={meta.name}
        form={meta.formId}
        defaultValue={value}
        key={meta.key}
        aria-invalid={meta.errors?.length ? true : undefined}
        aria-describedby={describedBy}
      />
      <FieldError meta={meta} />
    </div>
  );
}

const newObligation = {
  datasetTitle: '',
  frequency: 'monthly',
  expectedFormat: '',
  licence: 'lo-2.0',
};

export default function NewContract() {
  const { t } = useTranslation('contracts');
  const { bodies, contractors, licences } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(contractSchema, actionData?.result, {
    id: 'contract',
    defaultValue: {
      publicBodyId: bodies.length === 1 ? bodies[0]!.id : '',
      obligations: [newObligation],
    },
  });
  const obligations = fields.obligations.getFieldList();
  return (
    <section aria-labelledby="title" className="stack">
      <h1 id="title">{t('form.title')}</h1>
      <p>{t('form.intro')}</p>
      <Form method="post" className="stack" {...getFormProps(form)}>
        <FormErrors errors={form.errors} />
        <SelectField
          meta={fields.publicBodyId as Meta}
          label={t('form.publicBody')}
          emptyLabel=""
          options={bodies.map((b) => ({ value: b.id, label: b.name }))}
        />
        <SelectField
          meta={fields.contractorId as Meta}
          label={t('form.contractor')}
          emptyLabel=""
          options={contractors.map((c) => ({ value: c.id, label: c.name }))}
        />
        <TextField meta={fields.reference as Meta} label={t('form.reference')} />
        <TextField meta={fields.title as Meta} label={t('form.contractTitle')} />
        <DateField meta={fields.startsOn as Meta} label={t('form.startsOn')} />
        <DateField meta={fields.endsOn as Meta} label={t('form.endsOn')} />
        <TextField meta={fields.noticeUrl as Meta} label={t('form.noticeUrl')} type="url" />
        <FieldError meta={fields.obligations as unknown as Meta} />
        {obligations.map((ob, i) => {
          const o = ob.getFieldset();
          return (
            <fieldset key={ob.key} {...getFieldsetProps(ob)} className="card stack">
              <legend>{t('form.obligation', { n: i + 1 })}</legend>
              <TextField meta={o.datasetTitle as Meta} label={t('form.datasetTitle')} />
              <TextField
                meta={o.dataset as Meta}
                label={t('form.dataset')}
                hint={t('form.datasetHint')}
              />
              <SelectField
                meta={o.frequency as Meta}
                label={t('form.frequency')}
                emptyLabel={t('form.noFrequency')}
                options={frequencies.map((f) => ({ value: f, label: t(`frequency.${f}`) }))}
              />
              <DateField
                meta={o.firstDueOn as Meta}
                label={t('form.firstDueOn')}
                hint={t('form.firstDueOnHint')}
              />
              <DatesField
                meta={o.dueDates as unknown as Meta}
                label={t('form.dueDates')}
                hint={t('form.dueDatesHint')}
              />
              <TextAreaField
                meta={o.expectedFormat as Meta}
                label={t('form.expectedFormat')}
                rows={3}
              />
              <SelectField
                meta={o.licence as Meta}
                label={t('form.licence')}
                options={licences.map((l) => ({ value: l.id, label: l.name }))}
              />
              {obligations.length > 1 ? (
                <button
                  type="submit"
                  className="secondary"
                  {...form.remove.getButtonProps({ name: fields.obligations.name, index: i })}
                >
                  {t('form.removeObligation')}
                </button>
              ) : null}
            </fieldset>
          );
        })}
        <button
          type="submit"
          className="secondary"
          {...form.insert.getButtonProps({
            name: fields.obligations.name,
            defaultValue: newObligation,
          })}
        >
          {t('form.addObligation')}
        </button>
        <button type="submit">{t('form.submit')}</button>
      </Form>
    </section>
  );
}
