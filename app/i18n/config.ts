// i18next settings shared by the server render and the browser. French first.
export const supportedLanguages = ['fr', 'en'] as const;
export type Language = (typeof supportedLanguages)[number];
export const fallbackLanguage: Language = 'fr';
export const defaultNS = 'common';

export function isLanguage(v: unknown): v is Language {
  return typeof v === 'string' && (supportedLanguages as readonly string[]).includes(v);
}

export const i18nOptions = {
  supportedLngs: [...supportedLanguages],
  fallbackLng: fallbackLanguage,
  defaultNS,
  interpolation: { escapeValue: false }, // React escapes
  react: { useSuspense: false },
};
