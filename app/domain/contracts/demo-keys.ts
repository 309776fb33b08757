// Messages as keys, for code paths that validate trusted input (the demo seed): a refusal
// there is a bug and shows the message key.
import type { Translate } from '../contributions/contributions.schema';

export const keyT: Translate = (key) => key;
