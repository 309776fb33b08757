// What the observation routes need around the domain: the page language's messages and
// the map's tile URL (MAP_TILE_URL; none by default: the map draws commune outlines only).
import { getT } from '~/i18n/i18n.server';
import type { Translate } from './observations.schema';

export async function observationsT(request: Request): Promise<Translate> {
  return (await getT(request, ['observations', 'common'])) as unknown as Translate;
}

/**
 * The tile URL template ({z}/{x}/{y}), or null. Only an https URL or a same-origin path is
 * accepted. Tiles from another origin also need that origin in the CSP's img-src.
 */
export function mapTileUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env.MAP_TILE_URL?.trim();
  if (!v) return null;
  if (!/\{z\}/.test(v) || !/\{x\}/.test(v) || !/\{y\}/.test(v)) return null;
  return /^https:\/\/[^\s"'<>]+$/.test(v) || /^\/[^\s"'<>]*$/.test(v) ? v : null;
}
