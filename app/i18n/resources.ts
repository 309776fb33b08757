// Message catalogues, one JSON file per area and language. Add a namespace here when an
// area adds its catalogue (both languages).
import enCommon from './locales/en/common.json';
import frCommon from './locales/fr/common.json';

export const resources = {
  fr: { common: frCommon },
  en: { common: enCommon },
} as const;

export type Namespace = keyof (typeof resources)['fr'];
export const namespaces = Object.keys(resources.fr) as Namespace[];
