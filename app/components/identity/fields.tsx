// Form fields of the identity pages: a label, the control, a hint and the field's error
// (announced through aria-describedby), the same with or without JavaScript.
import { getInputProps, getSelectProps, getTextareaProps } from '@conform-to/react';
import type { FieldMetadata } from '@conform-to/react';

type Meta = FieldMetadata<string | undefined, Record<string, unknown>, string[]>;

function describedBy(meta: Meta, hintId?: string) {
  return (
    [hintId, meta.errors?.length ? meta.errorId : undefined].filter(Boolean).join(' ') || undefined
  );
}

export function FieldError({ meta }: { meta: Meta }) {
  return meta.errors?.length ? (
    <p id={meta.errorId} className="field-error">
      {meta.errors.join(' ')}
    </p>
  ) : null;
}

export function TextField({
  meta,
  label,
  type = 'text',
  hint,
  autoComplete,
  inputMode,
}: {
  meta: Meta;
  label: string;
  type?: 'text' | 'email' | 'password' | 'url' | 'search';
  hint?: string;
  autoComplete?: string;
  inputMode?: 'numeric' | 'text';
}) {
  const hintId = hint ? `${meta.id}-hint` : undefined;
  const props = getInputProps(meta, { type, ariaDescribedBy: hintId });
  return (
    <div>
      <label htmlFor={meta.id}>{label}</label>
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      <input
        {...props}
        key={props.key}
        autoComplete={autoComplete}
        inputMode={inputMode}
        aria-describedby={describedBy(meta, hintId)}
        defaultValue={type === 'password' ? undefined : props.defaultValue}
      />
      <FieldError meta={meta} />
    </div>
  );
}

export function TextAreaField({
  meta,
  label,
  hint,
  rows = 6,
}: {
  meta: Meta;
  label: string;
  hint?: string;
  rows?: number;
}) {
  const hintId = hint ? `${meta.id}-hint` : undefined;
  const props = getTextareaProps(meta);
  return (
    <div>
      <label htmlFor={meta.id}>{label}</label>
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      <textarea
        {...props}
        key={props.key}
        rows={rows}
        aria-describedby={describedBy(meta, hintId)}
      />
      <FieldError meta={meta} />
    </div>
  );
}

export function SelectField({
  meta,
  label,
  options,
  hint,
  emptyLabel,
}: {
  meta: Meta;
  label: string;
  options: { value: string; label: string }[];
  hint?: string;
  emptyLabel?: string;
}) {
  const hintId = hint ? `${meta.id}-hint` : undefined;
  const props = getSelectProps(meta);
  return (
    <div>
      <label htmlFor={meta.id}>{label}</label>
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      <select {...props} key={props.key} aria-describedby={describedBy(meta, hintId)}>
        {emptyLabel !== undefined ? <option value="">{emptyLabel}</option> : null}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldError meta={meta} />
    </div>
  );
}

export function CheckboxField({ meta, label }: { meta: Meta; label: React.ReactNode }) {
  const props = getInputProps(meta, { type: 'checkbox', value: 'on' });
  return (
    <div>
      <label htmlFor={meta.id} className="checkbox-label">
        <input
          {...props}
          key={props.key}
          aria-describedby={meta.errors?.length ? meta.errorId : undefined}
        />{' '}
        {label}
      </label>
      <FieldError meta={meta} />
    </div>
  );
}

export function FormErrors({ errors, id }: { errors?: string[]; id?: string }) {
  return errors?.length ? (
    <div className="notice error" role="alert" id={id}>
      {errors.map((e) => (
        <p key={e}>{e}</p>
      ))}
    </div>
  ) : null;
}
