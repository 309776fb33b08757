import type { LoaderFunctionArgs } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { subjectJsonExport } from '~/domain/reputation/reputation.server';
import { subjectParamsSchema } from '~/domain/reputation/reputation.schema';

// A subject's whole chain as JSON, with every hashed field (verifiable with jq + sha256sum).
export const handle: RouteHandle = { access: 'public' };

export async function loader({ params, context }: LoaderFunctionArgs) {
  const parsed = subjectParamsSchema.safeParse(params);
  if (!parsed.success) return new Response('Not found', { status: 404 });
  const { subjectType, subjectId } = parsed.data;
  return new Response(subjectJsonExport(context.db, { type: subjectType, id: subjectId }), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="registre-${subjectType}-${subjectId}.json"`,
      'Cache-Control': 'no-cache',
    },
  });
}
