import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import type { RouteHandle } from '~/domain/identity/access';
import { destroySession } from '~/domain/identity/session.server';

// Signing out is a POST (the header's button); a GET just goes home.
export const handle: RouteHandle = { access: 'public' };

export const loader = () => redirect('/');

export async function action({ request, context }: ActionFunctionArgs) {
  return redirect('/', { headers: { 'Set-Cookie': await destroySession(context, request) } });
}
