// PUT /api/v1/contracts/:id — an admin of the public body that recorded the contract
// corrects it: the same body as recording (without `publicBodyId`, which cannot change),
// each recorded obligation with its `id`, a recorded obligation left out is removed. The
// rule for due dates is decision 017 (a due date with a delivery is never lost); refusals
// are problem+json with field `errors` in the caller's language, and write nothing.
import type { ActionFunctionArgs } from '@remix-run/node';
import { json, problem, readJson, requireApiUser } from '~/domain/api/problem.server';
import { ContractError } from '~/domain/contracts/contracts.server';
import { editContract } from '~/domain/contracts/editing.server';
import { contractsT } from '~/domain/contracts/http.server';
import type { RouteHandle } from '~/domain/identity/access';

export const handle: RouteHandle = { access: 'public' };

export async function action({ request, context, params }: ActionFunctionArgs) {
  if (request.method !== 'PUT') return problem(405, 'Method Not Allowed');
  const user = await requireApiUser(context, request, { scope: 'contribute' });
  const t = await contractsT(request);
  const body = await readJson(request);
  const id = params.id ?? '';
  // An organisation token corrects only its own organisation's contracts.
  const orgId = user.credential?.organizationId;
  if (orgId) {
    const k = await context.db
      .selectFrom('contract')
      .select('public_body_id')
      .where('id', '=', /^[0-9a-f-]{36}$/i.test(id) ? id : '00000000-0000-0000-0000-000000000000')
      .executeTakeFirst();
    if (k && k.public_body_id !== orgId)
      return problem(403, 'forbidden', t('contracts:errors.editForbidden'));
  }
  try {
    const r = await editContract(context.db, user, id, body, t);
    return json({
      ...r,
      links: { transparency: '/transparence', edit: `/contrats/${r.id}/modifier` },
    });
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    if (e.code === 'not_found')
      return problem(404, 'not_found', 'No such contract. / Contrat inconnu.');
    if (e.code === 'forbidden')
      return problem(403, 'forbidden', t('contracts:errors.editForbidden'));
    return problem(422, 'invalid_contract', t('common:form.invalid'), { errors: e.fieldErrors });
  }
}
