// Usage periods (browser-safe): the `?jours=` of the usage page and its exports.
export const usagePeriods = [30, 90, 365] as const;
export type UsagePeriod = (typeof usagePeriods)[number];

/** The period of a `?jours=` parameter (30 by default; anything else falls back to it). */
export function parsePeriod(value: string | null): UsagePeriod {
  const n = Number(value);
  return (usagePeriods as readonly number[]).includes(n) ? (n as UsagePeriod) : 30;
}
