// Message catalogues, one JSON file per area and language. Add a namespace here when an
// area adds its catalogue (both languages).
import enCommon from './locales/en/common.json';
import enContributions from './locales/en/contributions.json';
import frContributions from './locales/fr/contributions.json';
import frCommon from './locales/fr/common.json';
import enUploads from './locales/en/uploads.json';
import frUploads from './locales/fr/uploads.json';
import enReputation from './locales/en/reputation.json';
import frReputation from './locales/fr/reputation.json';
import enIdentity from './locales/en/identity.json';
import frIdentity from './locales/fr/identity.json';
import enAdmin from './locales/en/admin.json';
import frAdmin from './locales/fr/admin.json';
import enModeration from './locales/en/moderation.json';
import frModeration from './locales/fr/moderation.json';
import enCatalogue from './locales/en/catalogue.json';
import frCatalogue from './locales/fr/catalogue.json';
import enObservations from './locales/en/observations.json';
import frObservations from './locales/fr/observations.json';
import enOpenapi from './locales/en/openapi.json';
import frOpenapi from './locales/fr/openapi.json';
import enContracts from './locales/en/contracts.json';
import frContracts from './locales/fr/contracts.json';
import enReuses from './locales/en/reuses.json';
import frReuses from './locales/fr/reuses.json';

export const resources = {
  fr: { common: frCommon, contributions: frContributions, uploads: frUploads, identity: frIdentity, admin: frAdmin, reputation: frReputation, moderation: frModeration, catalogue: frCatalogue, observations: frObservations, openapi: frOpenapi, contracts: frContracts, reuses: frReuses },
  en: { common: enCommon, contributions: enContributions, uploads: enUploads, identity: enIdentity, admin: enAdmin, reputation: enReputation, moderation: enModeration, catalogue: enCatalogue, observations: enObservations, openapi: enOpenapi, contracts: enContracts, reuses: enReuses },
} as const;

export type Namespace = keyof (typeof resources)['fr'];
export const namespaces = Object.keys(resources.fr) as Namespace[];
