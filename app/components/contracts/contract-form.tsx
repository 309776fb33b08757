// The contract form's fields (a contract and its obligations), shared by the page that
// records a contract and the page that corrects one: one conform form over the zod schema
// of contracts.schema.ts, errors field by field, the same with or without JavaScript.
import { getFieldsetProps, getInputProps } from '@conform-to/react';
import type { FieldMetadata, SubmissionResult } from '@conform-to/react';
import { useTranslation } from 'react-i18next';
import { FieldError, SelectField, TextAreaField, TextField } from '~/components/identity/fields';
import { useSchemaForm } from '~/components/identity/use-schema-form';
import { contractSchema } from '~/domain/contracts/contracts.schema';
import { frequencies } from '~/domain/contracts/schedule';

export type Meta = FieldMetadata<string | undefined, Record<string, unknown>, string[]>;

export function useContractForm(
  lastResult: SubmissionResult<string[]> | null | undefined,
  defaultValue: Record<string, unknown>,
) {
  return useSchemaForm(contractSchema, lastResult, { id: 'contract', defaultValue });
}
type ContractForm = ReturnType<typeof useContractForm>;

export function DateField({ meta, label, hint }: { meta: Meta; label: string; hint?: string }) {
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
export function DatesField({ meta, label, hint }: { meta: Meta; label: string; hint: string }) {
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

export const newObligation = {
  datasetTitle: '',
  frequency: 'monthly',
  expectedFormat: '',
  licence: 'lo-2.0',
};

type Choice = { id: string; name: string };

/**
 * The fields after the public body: contractor, reference, title, period, notice, and one
 * fieldset per obligation (add, remove). When editing, each recorded obligation carries
 * its id in a hidden field; one with deliveries (`delivered[id]`) says so and cannot be
 * removed, and the contractor is shown but not offered for change once delivered.
 */
export function ContractFields({
  form,
  fields,
  contractors,
  licences,
  delivered = {},
  contractorLocked = false,
}: {
  form: ContractForm[0];
  fields: ContractForm[1];
  contractors: Choice[];
  licences: Choice[];
  delivered?: Record<string, number>;
  contractorLocked?: boolean;
}) {
  const { t } = useTranslation('contracts');
  const obligations = fields.obligations.getFieldList();
  return (
    <>
      <SelectField
        meta={fields.contractorId as Meta}
        label={t('form.contractor')}
        hint={contractorLocked ? t('edit.contractorLocked') : undefined}
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
        const id = typeof o.id.initialValue === 'string' ? o.id.initialValue : '';
        const held = id ? (delivered[id] ?? 0) : 0;
        return (
          <fieldset key={ob.key} {...getFieldsetProps(ob)} className="card stack">
            <legend>{t('form.obligation', { n: i + 1 })}</legend>
            {id ? <input type="hidden" name={o.id.name} value={id} /> : null}
            {held ? <p className="hint">{t('edit.delivered', { count: held })}</p> : null}
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
            {obligations.length > 1 && !held ? (
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
    </>
  );
}
