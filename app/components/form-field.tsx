// One form field: its label, an optional hint, the control and the field's errors, the hint
// and errors announced through aria-describedby and the control marked aria-invalid while it
// has errors. Plain markup, the same with or without JavaScript. The control itself is the
// caller's (input, select, textarea): it receives the wiring to spread on it.
import type { ReactNode } from 'react';

/** Errors by field name, as actions return them. */
export type FieldErrors = Record<string, string[] | undefined>;

/** The ids of what describes a control, in reading order (`undefined` for none). */
export const describedBy = (...ids: (string | false | null | undefined)[]) =>
  ids.filter(Boolean).join(' ') || undefined;

/** A field's errors, with the id (`<id>-error`) the control refers to. */
export function FieldError({ id, errors }: { id: string; errors?: string[] }) {
  return errors?.length ? (
    <p id={`${id}-error`} className="field-error">
      {errors.join(' ')}
    </p>
  ) : null;
}

/** What the control of a field spreads on itself. */
export interface ControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

export function Field({
  id,
  label,
  hint,
  errors,
  sharedHintId,
  alsoDescribedBy,
  invalid,
  className,
  children,
}: {
  /** The control's id; its hint and error take `<id>-hint` and `<id>-error`. */
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  errors?: string[];
  /** A hint shown elsewhere (shared by several fields) that describes this control too. */
  sharedHintId?: string;
  /** Further descriptions read after the field's own errors (e.g. a group's error). */
  alsoDescribedBy?: (string | false | null | undefined)[];
  /** Marks the control invalid for a reason outside its own errors (e.g. a group's error). */
  invalid?: boolean;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const hasErrors = Boolean(errors?.length);
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      ) : null}
      {children({
        id,
        'aria-invalid': hasErrors || invalid ? true : undefined,
        'aria-describedby': describedBy(
          hint ? `${id}-hint` : sharedHintId,
          hasErrors && `${id}-error`,
          ...(alsoDescribedBy ?? []),
        ),
      })}
      <FieldError id={id} errors={errors} />
    </div>
  );
}
