// GET /api/v1/contracts — public: the transparency report (contracts with an open-data
// clause, obligations, occurrences and compliance), filters `organisme` and `titulaire`.
// POST /api/v1/contracts — a public body's admin records a contract (same schema as the form).
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json, problem, readJson, requireApiUser } from '~/domain/api/problem.server';
import { ContractError, recordContract } from '~/domain/contracts/contracts.server';
import { transparencyQuery, transparencyReport } from '~/domain/contracts/transparency.server';
import type { RouteHandle } from '~/domain/identity/access';
import { contractsT } from '~/domain/contracts/http.server';

export const handle: RouteHandle = { access: 'public' };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const parsed = transparencyQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success)
    return problem(400, 'invalid_request', 'Invalid filters. / Filtres invalides.');
  return Response.json(await transparencyReport(context.db, parsed.data), {
    headers: { 'Cache-Control': 'public, max-age=60' },
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== 'POST') return problem(405, 'Method Not Allowed');
  const user = await requireApiUser(context, request, { scope: 'contribute' });
  const t = await contractsT(request);
  const body = await readJson(request);
  // An organisation token records only for its own organisation.
  const orgId = user.credential?.organizationId;
  if (orgId && (body as { publicBodyId?: unknown } | null)?.publicBodyId !== orgId) {
    return problem(403, 'forbidden', t('contracts:errors.forbidden'));
  }
  try {
    const r = await recordContract(context.db, user, body, t);
    return json(
      { id: r.id, occurrences: r.occurrences, links: { transparency: '/transparence' } },
      { status: 201 },
    );
  } catch (e) {
    if (e instanceof ContractError) {
      if (e.code === 'forbidden') return problem(403, 'forbidden', t('contracts:errors.forbidden'));
      return problem(422, 'invalid_contract', t('common:form.invalid'), { errors: e.fieldErrors });
    }
    throw e;
  }
}
