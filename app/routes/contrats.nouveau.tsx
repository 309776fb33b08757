// /contrats/nouveau — a public body's admin (or a platform admin) records a contract with
// an open-data clause and its obligations. One zod schema for the browser and the action
// (conform): errors field by field, in the page's language; a refusal writes nothing.
import { parseWithZod } from '@conform-to/zod/v4';
import { getFormProps } from '@conform-to/react';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import {
  ContractFields,
  newObligation,
  useContractForm,
} from '~/components/contracts/contract-form';
import type { Meta } from '~/components/contracts/contract-form';
import { FormErrors, SelectField } from '~/components/identity/fields';
import { contractSchema } from '~/domain/contracts/contracts.schema';
import {
  ContractError,
  contractorChoices,
  licenceChoices,
  manageablePublicBodies,
  recordContract,
} from '~/domain/contracts/contracts.server';
import { contractsT } from '~/domain/contracts/http.server';
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

export default function NewContract() {
  const { t } = useTranslation('contracts');
  const { bodies, contractors, licences } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useContractForm(actionData?.result, {
    publicBodyId: bodies.length === 1 ? bodies[0]!.id : '',
    obligations: [newObligation],
  });
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
        <ContractFields form={form} fields={fields} contractors={contractors} licences={licences} />
        <button type="submit">{t('form.submit')}</button>
      </Form>
    </section>
  );
}
