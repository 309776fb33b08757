// The moderation screens' single-key shortcuts and each moderator's setting for them (WCAG
// 2.1.4, "Character Key Shortcuts": they can be turned off or remapped). Safe for the browser:
// the same schema validates the settings form in the page and in the action.
import { z } from 'zod';
import type { Translate } from '../identity/identity.schema';

export const shortcutActions = ['next', 'approve', 'reject', 'changes'] as const;
export type ShortcutAction = (typeof shortcutActions)[number];

export interface ShortcutSettings {
  enabled: boolean;
  keys: Record<ShortcutAction, string>;
}

export const defaultShortcutSettings: ShortcutSettings = { enabled: true, keys: { next: 'n', approve: 'a', reject: 'r', changes: 'm' } };

/** One lower-case letter (a–z) or digit: nothing a screen reader or the browser needs with a modifier. */
export const SHORTCUT_KEY = /^[a-z0-9]$/;

/** The stored keys, completed with the defaults for whatever is missing or no longer valid. */
export function withDefaults(stored: { enabled?: boolean; keys?: unknown } | null | undefined): ShortcutSettings {
  const raw = (stored?.keys && typeof stored.keys === 'object' ? stored.keys : {}) as Record<string, unknown>;
  const keys = { ...defaultShortcutSettings.keys };
  for (const a of shortcutActions) {
    const k = raw[a];
    if (typeof k === 'string' && SHORTCUT_KEY.test(k)) keys[a] = k;
  }
  // Two actions on one key would make one of them unreachable: back to the defaults then.
  if (new Set(Object.values(keys)).size !== shortcutActions.length) return { enabled: stored?.enabled ?? true, keys: { ...defaultShortcutSettings.keys } };
  return { enabled: stored?.enabled ?? true, keys };
}

export function shortcutSettingsSchema(t: Translate) {
  const key = z
    .string({ error: t('moderation:shortcuts.errors.required') })
    .trim()
    .toLowerCase()
    .regex(SHORTCUT_KEY, { error: t('moderation:shortcuts.errors.key') });
  return z
    .object({
      // A checkbox: "on" when ticked, absent otherwise.
      enabled: z.literal('on').optional(),
      next: key,
      approve: key,
      reject: key,
      changes: key,
    })
    .superRefine((v, ctx) => {
      const seen = new Map<string, ShortcutAction>();
      for (const a of shortcutActions) {
        const other = seen.get(v[a]);
        if (other) ctx.addIssue({ code: 'custom', path: [a], message: t('moderation:shortcuts.errors.duplicate', { key: v[a], action: t(`moderation:shortcuts.actions.${other}`) }) });
        else seen.set(v[a], a);
      }
    });
}
