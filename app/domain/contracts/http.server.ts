// What routes need around the contract services: the page language's messages, and
// refusals as problem+json.
import { problem } from '../api/problem.server';
import { getT } from '~/i18n/i18n.server';
import type { Translate } from '../contributions/contributions.schema';
import type { DeliveryError } from './fulfilment.server';

export async function contractsT(request: Request): Promise<Translate> {
  return (await getT(request, ['contracts', 'common'])) as unknown as Translate;
}

const deliveryStatus: Record<DeliveryError['code'], number> = {
  invalid: 422,
  not_found: 404,
  foreign_obligation: 403,
  foreign_contribution: 422,
  wrong_kind: 422,
  wrong_dataset: 422,
  not_linkable: 409,
  already_linked: 409,
  already_fulfilled: 409,
  no_open_occurrence: 409,
};

/** A refused delivery link as RFC 9457 problem+json, with the field errors in the caller's language. */
export function deliveryProblem(t: Translate, e: DeliveryError): Response {
  const first = Object.values(e.fieldErrors)[0]?.[0];
  return problem(deliveryStatus[e.code], e.code, first ?? t('common:form.invalid'), {
    code: e.code,
    ...(Object.keys(e.fieldErrors).length ? { errors: e.fieldErrors } : {}),
  });
}
