// POST /api/v1/contracts/obligations/:id/deliveries {contributionId, dueOn?} — the
// contractor links one of its contributions to an occurrence of the obligation (the given
// due date, or the earliest open one). Session or organisation token (scope contribute).
import type { ActionFunctionArgs } from '@remix-run/node';
import { json, problem, readJson, requireApiUser } from '~/domain/api/problem.server';
import { DeliveryError, linkDelivery } from '~/domain/contracts/fulfilment.server';
import { contractsT, deliveryProblem } from '~/domain/contracts/http.server';
import { obligationContractor } from '~/domain/contracts/transparency.server';
import type { RouteHandle } from '~/domain/identity/access';

export const handle: RouteHandle = { access: 'signed-in' };

export async function action({ request, context, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return problem(405, 'Method Not Allowed');
  const user = await requireApiUser(context, request, { scope: 'contribute' });
  const t = await contractsT(request);
  const obligationId = params.id ?? '';
  // An organisation token delivers for its own organisation only.
  const tokenOrg = user.credential?.organizationId;
  if (tokenOrg && (await obligationContractor(context.db, obligationId)) !== tokenOrg) {
    return deliveryProblem(
      t,
      new DeliveryError('foreign_obligation', 'foreign', {
        form: [t('contracts:errors.foreignObligation')],
      }),
    );
  }
  try {
    const r = await linkDelivery(context.db, user, obligationId, await readJson(request), t);
    return json(
      {
        ...r,
        links: {
          obligation: `/api/v1/contracts/obligations/${obligationId}`,
          contribution: `/api/v1/contributions/${r.contributionId}`,
        },
      },
      { status: 201 },
    );
  } catch (e) {
    if (e instanceof DeliveryError) return deliveryProblem(t, e);
    throw e;
  }
}
