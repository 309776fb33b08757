// conform + zod for the identity pages: the browser validates with the same schema as the
// action, in the page's language; without JavaScript the action's answer shows the errors.
import { useForm } from '@conform-to/react';
import type { SubmissionResult } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { Translate } from '~/domain/identity/identity.schema';

export function useSchemaForm<
  S extends z.ZodType<Record<string, unknown>, Record<string, unknown>>,
>(
  makeSchema: (t: Translate) => S,
  lastResult: SubmissionResult<string[]> | null | undefined,
  opts: { id?: string; defaultValue?: Record<string, unknown> } = {},
) {
  const { t } = useTranslation('identity');
  const schema = makeSchema(t as unknown as Translate);
  return useForm<z.input<S>>({
    id: opts.id,
    lastResult,
    defaultValue: opts.defaultValue as never,
    constraint: getZodConstraint(schema),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema }) as never,
  });
}
