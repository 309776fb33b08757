// The fields of a dataset's metadata. Plain form controls with their labels, hints and
// errors (announced through aria-describedby), so the form works without JavaScript.
import { useTranslation } from 'react-i18next';
import { describedBy, Field, FieldError } from '~/components/form-field';
import type { FieldErrors } from '~/components/form-field';
import { updateFrequencies, WHOLE_METROPOLE } from '~/domain/contributions/contributions.schema';
import type { DraftMetadata } from '~/domain/contributions/contributions.schema';
import type { ReferenceData } from '~/domain/contributions/reference.server';

export type { FieldErrors };

/** Errors of a field and of its items (`communes.0` → `communes`). */
function errorsOf(errors: FieldErrors, name: string): string[] | undefined {
  const out = Object.entries(errors)
    .filter(([k]) => k === name || k.startsWith(`${name}.`))
    .flatMap(([, v]) => v ?? []);
  return out.length ? [...new Set(out)] : undefined;
}

export function MetadataFields({
  draft,
  errors,
  refs,
  organizations,
  suggestedColumns,
}: {
  draft: DraftMetadata;
  errors: FieldErrors;
  refs: ReferenceData;
  organizations: { id: string; name: string }[];
  suggestedColumns: string[];
}) {
  const { t } = useTranslation('contributions');
  const e = (name: string) => errorsOf(errors, name);
  const text = (name: keyof DraftMetadata, opts: { type?: string; hint?: string; autoComplete?: string } = {}) => {
    return (
      <Field id={`f-${name}`} label={t(`fields.${name}`)} hint={opts.hint} errors={e(name)}>
        {(control) => (
          <input
            {...control}
            name={name}
            type={opts.type ?? 'text'}
            autoComplete={opts.autoComplete}
            defaultValue={Array.isArray(draft[name]) ? (draft[name] as string[]).join(', ') : ((draft[name] as string | undefined) ?? '')}
          />
        )}
      </Field>
    );
  };
  const columnNames = draft.columns?.length ? draft.columns : suggestedColumns.map((name) => ({ name, description: '' }));
  const personal = draft.personalData === true || draft.personalData === 'yes' ? 'yes' : draft.personalData === false || draft.personalData === 'no' ? 'no' : '';

  return (
    <>
      {text('title')}
      <Field id="f-description" label={t('fields.description')} hint={t('fields.descriptionHint')} errors={e('description')}>
        {(control) => <textarea {...control} name="description" rows={8} defaultValue={draft.description ?? ''} />}
      </Field>

      <fieldset aria-describedby={e('themes') ? 'f-themes-error' : undefined}>
        <legend>{t('fields.themes')}</legend>
        <div className="checkbox-grid">
          {refs.themes.map((th) => (
            <label key={th.code} className="checkbox-label">
              <input type="checkbox" name="themes" value={th.code} defaultChecked={draft.themes?.includes(th.code)} /> {th.label}
            </label>
          ))}
        </div>
        <FieldError id="f-themes" errors={e('themes')} />
      </fieldset>

      {text('keywords', { hint: t('fields.keywordsHint') })}

      <Field id="f-communes" label={t('fields.communes')} hint={t('fields.communesHint')} errors={e('communes')}>
        {(control) => (
          <select {...control} name="communes" multiple size={8} defaultValue={draft.communes ?? []}>
            <option value={WHOLE_METROPOLE}>{t('fields.wholeMetropole')}</option>
            {refs.communes.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name} ({c.code})
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field id="f-licence" label={t('fields.licence')} errors={e('licence')}>
        {(control) => (
          <select {...control} name="licence" defaultValue={draft.licence ?? ''}>
            <option value="">{t('fields.choose')}</option>
            {refs.licences.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
                {l.traceable ? ` (${t('fields.traceable')})` : ''}
              </option>
            ))}
          </select>
        )}
      </Field>

      <div className="field-row">
        {text('temporalStart', { type: 'date' })}
        {text('temporalEnd', { type: 'date' })}
      </div>

      <Field id="f-updateFrequency" label={t('fields.updateFrequency')} errors={e('updateFrequency')}>
        {(control) => (
          <select {...control} name="updateFrequency" defaultValue={draft.updateFrequency ?? ''}>
            <option value="">{t('fields.choose')}</option>
            {updateFrequencies.map((f) => (
              <option key={f} value={f}>
                {t(`frequencies.${f}`)}
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field id="f-organizationId" label={t('fields.organization')} errors={e('organizationId')}>
        {(control) => (
          <select {...control} name="organizationId" defaultValue={draft.organizationId ?? ''}>
            <option value="">{t('fields.individual')}</option>
            {organizations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        )}
      </Field>

      {text('contactName', { autoComplete: 'name' })}
      {text('contactEmail', { type: 'email', autoComplete: 'email' })}

      <fieldset aria-describedby={e('personalData') ? 'f-personalData-error' : undefined}>
        <legend>{t('fields.personalData')}</legend>
        <label className="checkbox-label">
          <input type="radio" name="personalData" value="yes" defaultChecked={personal === 'yes'} /> {t('fields.yes')}
        </label>{' '}
        <label className="checkbox-label">
          <input type="radio" name="personalData" value="no" defaultChecked={personal === 'no'} /> {t('fields.no')}
        </label>
        <FieldError id="f-personalData" errors={e('personalData')} />
      </fieldset>

      {columnNames.length ? (
        <fieldset>
          <legend>{t('fields.columns')}</legend>
          <p className="hint">{t('fields.columnsHint')}</p>
          {columnNames.map((c, i) => (
            <div key={`${c.name}-${i}`}>
              <input type="hidden" name={`columns[${i}].name`} value={c.name} />
              <label htmlFor={`f-col-${i}`}>{c.name}</label>
              <input id={`f-col-${i}`} name={`columns[${i}].description`} defaultValue={c.description ?? ''} />
            </div>
          ))}
        </fieldset>
      ) : null}

      <div>
        <input type="hidden" name="rightsStatementShown" value="1" />
        <label className="checkbox-label" htmlFor="f-rightsStatement">
          <input
            id="f-rightsStatement"
            type="checkbox"
            name="rightsStatement"
            defaultChecked={draft.rightsStatement === true || draft.rightsStatement === 'on'}
            aria-invalid={e('rightsStatement') ? true : undefined}
            aria-describedby={describedBy(e('rightsStatement') && 'f-rightsStatement-error')}
          />{' '}
          {t('fields.rightsStatement')}
        </label>
        <FieldError id="f-rightsStatement" errors={e('rightsStatement')} />
      </div>
    </>
  );
}
