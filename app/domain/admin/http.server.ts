import { getT } from '~/i18n/i18n.server';
import type { Translate } from '../identity/identity.schema';

export async function adminT(request: Request): Promise<Translate> {
  return (await getT(request, ['admin', 'identity', 'common'])) as unknown as Translate;
}
