// The fields of a dataset's metadata. Plain form controls with their labels, hints and
// errors (announced through aria-describedby), so the form works without JavaScript.
import { useTranslation } from 'react-i18next';
import { updateFrequencies, WHOLE_METROPOLE } from '~/domain/contributions/contributions.schema';
import type { DraftMetadata } from '~/domain/contributions/contributions.schema';
import type { ReferenceData } from '~/domain/contributions/reference.server';

export type FieldErrors = Record<string, string[] | undefined>;

function Err({ id, errors }: { id: string; errors?: string[] }) {
  return errors?.length ? (
    <p id={`${id}-error`} className="field-error">
      {errors.join(' ')}
    </p>
  ) : null;
}

const described = (id: string, errors?: string[], hint?: boolean) =>
  [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;

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
    const id = `f-${name}`;
    const errs = e(name);
    return (
      <div>
        <label htmlFor={id}>{t(`fields.${name}`)}</label>
        {opts.hint ? (
          <p id={`${id}-hint`} className="hint">
            {opts.hint}
          </p>
        ) : null}
        <input
          id={id}
          name={name}
          type={opts.type ?? 'text'}
          autoComplete={opts.autoComplete}
          defaultValue={Array.isArray(draft[name]) ? (draft[name] as string[]).join(', ') : ((draft[name] as string | undefined) ?? '')}
          aria-invalid={errs ? true : undefined}
          aria-describedby={described(id, errs, Boolean(opts.hint))}
        />
        <Err id={id} errors={errs} />
      </div>
    );
  };
  const columnNames = draft.columns?.length ? draft.columns : suggestedColumns.map((name) => ({ name, description: '' }));
  const personal = draft.personalData === true || draft.personalData === 'yes' ? 'yes' : draft.personalData === false || draft.personalData === 'no' ? 'no' : '';

  return (
    <>
      {text('title')}
      <div>
        <label htmlFor="f-description">{t('fields.description')}</label>
        <p id="f-description-hint" className="hint">
          {t('fields.descriptionHint')}
        </p>
        <textarea
          id="f-description"
          name="description"
          rows={8}
          defaultValue={draft.description ?? ''}
          aria-invalid={e('description') ? true : undefined}
          aria-describedby={described('f-description', e('description'), true)}
        />
        <Err id="f-description" errors={e('description')} />
      </div>

      <fieldset aria-describedby={e('themes') ? 'f-themes-error' : undefined}>
        <legend>{t('fields.themes')}</legend>
        <div className="checkbox-grid">
          {refs.themes.map((th) => (
            <label key={th.code} className="checkbox-label">
              <input type="checkbox" name="themes" value={th.code} defaultChecked={draft.themes?.includes(th.code)} /> {th.label}
            </label>
          ))}
        </div>
        <Err id="f-themes" errors={e('themes')} />
      </fieldset>

      {text('keywords', { hint: t('fields.keywordsHint') })}

      <div>
        <label htmlFor="f-communes">{t('fields.communes')}</label>
        <p id="f-communes-hint" className="hint">
          {t('fields.communesHint')}
        </p>
        <select
          id="f-communes"
          name="communes"
          multiple
          size={8}
          defaultValue={draft.communes ?? []}
          aria-invalid={e('communes') ? true : undefined}
          aria-describedby={described('f-communes', e('communes'), true)}
        >
          <option value={WHOLE_METROPOLE}>{t('fields.wholeMetropole')}</option>
          {refs.communes.map((c) => (
            <option key={c.code} value={c.code}>
              {c.name} ({c.code})
            </option>
          ))}
        </select>
        <Err id="f-communes" errors={e('communes')} />
      </div>

      <div>
        <label htmlFor="f-licence">{t('fields.licence')}</label>
        <select
          id="f-licence"
          name="licence"
          defaultValue={draft.licence ?? ''}
          aria-invalid={e('licence') ? true : undefined}
          aria-describedby={described('f-licence', e('licence'))}
        >
          <option value="">{t('fields.choose')}</option>
          {refs.licences.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
              {l.traceable ? ` (${t('fields.traceable')})` : ''}
            </option>
          ))}
        </select>
        <Err id="f-licence" errors={e('licence')} />
      </div>

      <div className="field-row">
        {text('temporalStart', { type: 'date' })}
        {text('temporalEnd', { type: 'date' })}
      </div>

      <div>
        <label htmlFor="f-updateFrequency">{t('fields.updateFrequency')}</label>
        <select
          id="f-updateFrequency"
          name="updateFrequency"
          defaultValue={draft.updateFrequency ?? ''}
          aria-invalid={e('updateFrequency') ? true : undefined}
          aria-describedby={described('f-updateFrequency', e('updateFrequency'))}
        >
          <option value="">{t('fields.choose')}</option>
          {updateFrequencies.map((f) => (
            <option key={f} value={f}>
              {t(`frequencies.${f}`)}
            </option>
          ))}
        </select>
        <Err id="f-updateFrequency" errors={e('updateFrequency')} />
      </div>

      <div>
        <label htmlFor="f-organizationId">{t('fields.organization')}</label>
        <select
          id="f-organizationId"
          name="organizationId"
          defaultValue={draft.organizationId ?? ''}
          aria-invalid={e('organizationId') ? true : undefined}
          aria-describedby={described('f-organizationId', e('organizationId'))}
        >
          <option value="">{t('fields.individual')}</option>
          {organizations.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
        <Err id="f-organizationId" errors={e('organizationId')} />
      </div>

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
        <Err id="f-personalData" errors={e('personalData')} />
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
            aria-describedby={described('f-rightsStatement', e('rightsStatement'))}
          />{' '}
          {t('fields.rightsStatement')}
        </label>
        <Err id="f-rightsStatement" errors={e('rightsStatement')} />
      </div>
    </>
  );
}
