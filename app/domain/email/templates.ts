// The text of every email, in French and English. Rendered when the email is queued, so the
// outbox shows exactly what was (or would be) sent.
export type EmailLocale = 'fr' | 'en';

type Params = Record<string, string>;
interface Rendered {
  subject: string;
  text: string;
}
type Template = Record<EmailLocale, (p: Params) => Rendered>;

const signature = { fr: '\n\n— terridata', en: '\n\n— terridata' };

/** What happened to a contribution, in words, for the contribution_event email. */
const contributionEvents: Record<string, Record<EmailLocale, string>> = {
  approved: {
    fr: 'a été approuvée ; elle sera publiée dans quelques instants',
    en: 'was approved; it will be published in a moment',
  },
  second_review: {
    fr: 'a reçu une première approbation ; une seconde relecture est en cours',
    en: 'received a first approval; a second review is under way',
  },
  rejected: { fr: 'a été refusée', en: 'was rejected' },
  changes_requested: {
    fr: 'appelle des modifications de votre part',
    en: 'needs changes from you',
  },
  published: { fr: 'est publiée dans le catalogue', en: 'is published in the catalogue' },
  retracted: { fr: 'a été dépubliée', en: 'was retracted' },
  claim_broken: {
    fr: 'vous a été retirée par un administrateur',
    en: 'was taken from you by an administrator',
  },
  reply: { fr: 'a reçu un nouveau message', en: 'has a new message' },
};

/** What happened on an item a moderator handles, for the moderation_event email. */
const moderationEvents: Record<string, Record<EmailLocale, (p: Params) => string>> = {
  reply: {
    fr: (p) => `${p.author || 'Le contributeur'} a répondu sur « ${p.title} »`,
    en: (p) => `${p.author || 'The contributor'} replied on “${p.title}”`,
  },
  claim_broken: {
    fr: (p) => `Un administrateur vous a retiré la relecture de « ${p.title} » ; l’élément est revenu dans la file`,
    en: (p) => `An administrator took the review of “${p.title}” from you; the item is back in the queue`,
  },
};

export const emailTemplates = {
  verify_email: {
    fr: (p) => ({
      subject: 'Confirmez votre adresse électronique',
      text: `Bonjour ${p.pseudonym},\n\nPour confirmer votre adresse électronique sur terridata, ouvrez ce lien (valable 24 heures) :\n${p.url}\n\nSi vous n’êtes pas à l’origine de cette demande, ignorez ce message.${signature.fr}`,
    }),
    en: (p) => ({
      subject: 'Confirm your email address',
      text: `Hello ${p.pseudonym},\n\nTo confirm your email address on terridata, open this link (valid for 24 hours):\n${p.url}\n\nIf you did not ask for this, ignore this message.${signature.en}`,
    }),
  },
  reset_password: {
    fr: (p) => ({
      subject: 'Réinitialisation de votre mot de passe',
      text: `Bonjour ${p.pseudonym},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable 1 heure, une seule fois) :\n${p.url}\n\nSi vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.${signature.fr}`,
    }),
    en: (p) => ({
      subject: 'Reset your password',
      text: `Hello ${p.pseudonym},\n\nTo choose a new password, open this link (valid for 1 hour, once):\n${p.url}\n\nIf you did not ask for this, ignore this message: your password is unchanged.${signature.en}`,
    }),
  },
  contribution_event: {
    fr: (p) => ({
      subject: `Votre contribution « ${p.title} »`,
      text: `Bonjour ${p.pseudonym},\n\nVotre contribution « ${p.title} » ${contributionEvents[p.event ?? '']?.fr ?? p.event}.${p.comment ? `\n\nMessage du modérateur :\n${p.comment}` : ''}\n\n${p.url}${signature.fr}`,
    }),
    en: (p) => ({
      subject: `Your contribution “${p.title}”`,
      text: `Hello ${p.pseudonym},\n\nYour contribution “${p.title}” ${contributionEvents[p.event ?? '']?.en ?? p.event}.${p.comment ? `\n\nMessage from the moderator:\n${p.comment}` : ''}\n\n${p.url}${signature.en}`,
    }),
  },
  // For moderators: what happened on an item they review, with the link to its review screen.
  moderation_event: {
    fr: (p) => ({
      subject: `Modération : « ${p.title} »`,
      text: `Bonjour ${p.pseudonym},\n\n${moderationEvents[p.event ?? '']?.fr(p) ?? p.event}.${p.comment ? `\n\nMessage :\n${p.comment}` : ''}\n\nÉcran de relecture : ${p.url}${signature.fr}`,
    }),
    en: (p) => ({
      subject: `Moderation: “${p.title}”`,
      text: `Hello ${p.pseudonym},\n\n${moderationEvents[p.event ?? '']?.en(p) ?? p.event}.${p.comment ? `\n\nMessage:\n${p.comment}` : ''}\n\nReview screen: ${p.url}${signature.en}`,
    }),
  },
  join_request: {
    fr: (p) => ({
      subject: `Demande d’adhésion à ${p.organization}`,
      text: `Bonjour,\n\n${p.pseudonym} demande à rejoindre ${p.organization}.\nMessage : ${p.message || '(aucun)'}\n\nPour accepter ou refuser : ${p.url}${signature.fr}`,
    }),
    en: (p) => ({
      subject: `Request to join ${p.organization}`,
      text: `Hello,\n\n${p.pseudonym} asks to join ${p.organization}.\nMessage: ${p.message || '(none)'}\n\nTo approve or reject: ${p.url}${signature.en}`,
    }),
  },
  join_decision: {
    fr: (p) => ({
      subject: `Votre demande d’adhésion à ${p.organization}`,
      text: `Bonjour ${p.pseudonym},\n\nVotre demande pour rejoindre ${p.organization} a été ${p.approved === 'yes' ? 'acceptée' : 'refusée'}.\n${p.url}${signature.fr}`,
    }),
    en: (p) => ({
      subject: `Your request to join ${p.organization}`,
      text: `Hello ${p.pseudonym},\n\nYour request to join ${p.organization} was ${p.approved === 'yes' ? 'approved' : 'rejected'}.\n${p.url}${signature.en}`,
    }),
  },
  // The notification centre's email side (moderation): one event, or the daily digest.
  notification: {
    fr: (p) => ({
      subject: p.subject_fr ?? p.subject ?? 'Notification terridata',
      text: `Bonjour ${p.pseudonym},\n\n${p.body_fr ?? p.body}${p.comment ? `\n\nMessage :\n${p.comment}` : ''}\n\n${p.url}${signature.fr}`,
    }),
    en: (p) => ({
      subject: p.subject_en ?? p.subject ?? 'terridata notification',
      text: `Hello ${p.pseudonym},\n\n${p.body_en ?? p.body}${p.comment ? `\n\nMessage:\n${p.comment}` : ''}\n\n${p.url}${signature.en}`,
    }),
  },
  notification_digest: {
    fr: (p) => ({
      subject: `Vos notifications terridata (${p.count})`,
      text: `Bonjour ${p.pseudonym},\n\nDepuis le dernier résumé :\n\n${p.lines_fr ?? p.lines}\n\nToutes vos notifications : ${p.url}${signature.fr}`,
    }),
    en: (p) => ({
      subject: `Your terridata notifications (${p.count})`,
      text: `Hello ${p.pseudonym},\n\nSince the last digest:\n\n${p.lines_en ?? p.lines}\n\nAll your notifications: ${p.url}${signature.en}`,
    }),
  },
} satisfies Record<string, Template>;

export type EmailTemplate = keyof typeof emailTemplates;

export function isEmailTemplate(v: string): v is EmailTemplate {
  return Object.hasOwn(emailTemplates, v);
}

export function renderEmail(template: EmailTemplate, locale: string, params: Params): Rendered {
  const l: EmailLocale = locale === 'en' ? 'en' : 'fr';
  return emailTemplates[template][l](params);
}
