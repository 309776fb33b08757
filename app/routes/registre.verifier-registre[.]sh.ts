import type { RouteHandle } from '~/domain/identity/access';
import { VERIFY_SCRIPT } from '~/domain/reputation/verify-script';

// The verification script of /registre/verifier, as a file.
export const handle: RouteHandle = { access: 'public' };

export function loader() {
  return new Response(VERIFY_SCRIPT, {
    headers: {
      'Content-Type': 'text/x-shellscript; charset=utf-8',
      'Content-Disposition': 'attachment; filename="verifier-registre.sh"',
    },
  });
}
