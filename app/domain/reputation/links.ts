// Where an entry's cause lives in the UI (browser-safe). The pages of contributions,
// observations, reuses, datasets and obligations arrive with their own issues: their
// paths are declared here, in one place, so that they change together.
import type { RefType } from './rules';

const paths: Record<RefType, ((id: string) => string) | null> = {
  contribution: (id) => `/contributions/${encodeURIComponent(id)}`,
  observation: (id) => `/observations/${encodeURIComponent(id)}`,
  confirmation: null,
  reuse: (id) => `/reutilisations/${encodeURIComponent(id)}`,
  dataset: (id) => `/jeux-de-donnees/${encodeURIComponent(id)}`,
  obligation: (id) => `/obligations/${encodeURIComponent(id)}`,
  reputation_flag: null,
};

export function refHref(type: string | null, id: string | null): string | null {
  if (!type || !id || !Object.hasOwn(paths, type)) return null;
  return paths[type as RefType]?.(id) ?? null;
}

export const subjectLedgerPath = (type: string, id: string) => `/registre/${type}/${id}`;
