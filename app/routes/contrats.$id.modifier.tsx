// /contrats/:id/modifier — an admin of the public body that recorded a contract (or a
// platform admin) corrects it: reference, title, period, contractor, notice, obligations
// and their schedules. The same form and schema as recording (errors field by field, in
// the page's language; a refusal writes nothing); the rule for schedules is decision 017:
// a due date with a delivery is never lost. Every change goes to the audit log.
import { getFormProps } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { ContractFields, useContractForm } from '~/components/contracts/contract-form';
import { FormErrors } from '~/components/identity/fields';
import { contractSchema } from '~/domain/contracts/contracts.schema';
import {
  ContractError,
  contractorChoices,
  licenceChoices,
  manageablePublicBodies,
} from '~/domain/contracts/contracts.server';
import { editContract, loadContractForEdit } from '~/domain/contracts/editing.server';
import { contractsT } from '~/domain/contracts/http.server';
import type { RouteHandle } from '~/domain/identity/access';
import { forbidden, requireUser } from '~/domain/identity/permissions.server';

export const handle: RouteHandle = { access: 'member', i18n: 'contracts' };

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: `${d?.title ?? ''} — terridata` },
];

/** Someone who administers no public body is refused before the contract is even looked up. */
async function guard(args: LoaderFunctionArgs) {
  const user = await requireUser(args.context, args.request);
  if (!(await manageablePublicBodies(args.context.db, user)).length) throw forbidden(args.request);
  try {
    const contract = await loadContractForEdit(args.context.db, user, args.params.id ?? '');
    return { user, contract };
  } catch (e) {
    if (e instanceof ContractError && e.code === 'not_found')
      throw new Response('Not found', { status: 404 });
    if (e instanceof ContractError && e.code === 'forbidden') throw forbidden(args.request);
    throw e;
  }
}

export async function loader(args: LoaderFunctionArgs) {
  const { contract } = await guard(args);
  const t = await contractsT(args.request);
  const [contractors, licences] = await Promise.all([
    contractorChoices(args.context.db),
    licenceChoices(args.context.db),
  ]);
  return {
    title: t('contracts:edit.title', { reference: contract.reference }),
    contract,
    contractors,
    licences,
  };
}

export async function action(args: ActionFunctionArgs) {
  const { user, contract } = await guard(args);
  const t = await contractsT(args.request);
  const formData = await args.request.formData();
  // The contract stays with the public body that recorded it, whatever the form says.
  formData.set('publicBodyId', contract.publicBody.id);
  const submission = parseWithZod(formData, { schema: contractSchema(t) });
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 });
  try {
    const r = await editContract(args.context.db, user, contract.id, submission.value, t);
    const saved = r.changed ? `${r.added}.${r.removed}.${r.keptOutsideSchedule}` : '0';
    return redirect(`/contrats/${contract.id}/modifier?enregistre=${saved}`);
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    if (e.code === 'not_found') throw new Response('Not found', { status: 404 });
    if (e.code === 'forbidden')
      return data(
        { result: submission.reply({ formErrors: [t('contracts:errors.editForbidden')] }) },
        { status: 403 },
      );
    const { form, ...fieldErrors } = e.fieldErrors;
    return data({ result: submission.reply({ fieldErrors, formErrors: form }) }, { status: 400 });
  }
}

function SavedNotice() {
  const { t } = useTranslation('contracts');
  const [params] = useSearchParams();
  const saved = params.get('enregistre');
  if (!saved) return null;
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(saved);
  return (
    <p className="notice ok" role="status">
      {m ? t('edit.saved', { added: m[1], removed: m[2], kept: m[3] }) : t('edit.unchanged')}
    </p>
  );
}

export default function EditContract() {
  const { contract } = useLoaderData<typeof loader>();
  // A new form when the recorded obligations change (one added gets its id, one removed
  // goes): the hidden ids must be the recorded ones, or a second save would duplicate.
  return <EditForm key={contract.obligations.map((o) => o.id).join(',')} />;
}

function EditForm() {
  const { t } = useTranslation('contracts');
  const { contract, contractors, licences } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useContractForm(actionData?.result, {
    publicBodyId: contract.publicBody.id,
    contractorId: contract.contractorId,
    reference: contract.reference,
    title: contract.title,
    startsOn: contract.startsOn,
    endsOn: contract.endsOn,
    noticeUrl: contract.noticeUrl,
    obligations: contract.obligations.map((o) => ({
      id: o.id,
      datasetTitle: o.datasetTitle,
      dataset: o.dataset,
      frequency: o.frequency,
      firstDueOn: o.firstDueOn,
      dueDates: o.dueDates,
      expectedFormat: o.expectedFormat,
      licence: o.licence,
    })),
  });
  const delivered = Object.fromEntries(contract.obligations.map((o) => [o.id, o.delivered]));
  return (
    <section aria-labelledby="title" className="stack">
      <h1 id="title">{t('edit.title', { reference: contract.reference })}</h1>
      <SavedNotice />
      <p>{t('edit.intro', { publicBody: contract.publicBody.name })}</p>
      <p className="hint" id="schedule-rule">
        {t('edit.scheduleRule')}
      </p>
      <Form method="post" className="stack" {...getFormProps(form)}>
        <FormErrors errors={form.errors} />
        <input type="hidden" name="publicBodyId" value={contract.publicBody.id} />
        <ContractFields
          form={form}
          fields={fields}
          contractors={contractors}
          licences={licences}
          delivered={delivered}
          contractorLocked={contract.delivered}
        />
        <button type="submit">{t('edit.submit')}</button>
      </Form>
      <p>
        <Link to="/contrats">{t('edit.cancel')}</Link>
        {' · '}
        <Link to={`/transparence?organisme=${contract.publicBody.slug}#k-${contract.id}`}>
          {t('list.viewShort')}
        </Link>
      </p>
    </section>
  );
}
