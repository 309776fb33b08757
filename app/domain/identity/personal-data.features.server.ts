// Every area's personal-data registrations, loaded wherever the registry is used (account
// export and deletion, the retention job): import those functions from this module. Each
// area appends one import line for its own registration module.
import './personal-data.identity.server';
import '../reputation/personal-data.server';
import '../moderation/notifications.server';
import '../moderation/shortcuts.server';
import '../observations/personal-data.server';
import '../catalogue/personal-data.server';
import '../credentials/credentials.server';
import '../usage/personal-data.server';

export {
  deleteAccount,
  enforceRetention,
  exportPersonalData,
  personalDataRegistrations,
} from './personal-data.server';
