// The access level every route declares in its `handle` (checked by a test over the whole
// route manifest): who may call its loader and action.
export const accessLevels = ['public', 'signed-in', 'member', 'moderator', 'admin'] as const;
export type AccessLevel = (typeof accessLevels)[number];

export interface RouteHandle {
  access: AccessLevel;
  /** i18n namespaces the route's components use (all catalogues are bundled). */
  i18n?: string | string[];
}
