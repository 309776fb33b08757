// The texts the legal pages start with, until an admin edits them (/admin/pages/…).
export const legalSlugs = [
  'mentions-legales',
  'donnees-personnelles',
  'conditions',
  'accessibilite',
] as const;
export type LegalSlug = (typeof legalSlugs)[number];

export function isLegalSlug(v: unknown): v is LegalSlug {
  return typeof v === 'string' && (legalSlugs as readonly string[]).includes(v);
}

export const defaultLegalPages: Record<
  LegalSlug,
  Record<'fr' | 'en', { title: string; body: string }>
> = {
  'mentions-legales': {
    fr: {
      title: 'Mentions légales',
      body: `Éditeur : Métropole de Lyon (démonstration), 20 rue du Lac, 69003 Lyon.\n\nDirecteur de la publication : à compléter par l’administrateur.\n\nHébergement : à compléter par l’administrateur.\n\nLes données publiées sont diffusées sous la licence indiquée sur chaque jeu de données.`,
    },
    en: {
      title: 'Legal notice',
      body: `Publisher: Métropole de Lyon (demonstration), 20 rue du Lac, 69003 Lyon, France.\n\nPublication director: to be completed by the administrator.\n\nHosting: to be completed by the administrator.\n\nPublished data is released under the licence shown on each dataset.`,
    },
  },
  'donnees-personnelles': {
    fr: {
      title: 'Données personnelles',
      body: `Ce que nous gardons : votre adresse électronique, votre pseudonyme public, votre langue, l’empreinte de votre mot de passe (argon2id), vos sessions (date, navigateur), vos adhésions à des organisations et les courriels qui vous sont envoyés.\n\nPourquoi : pour vous permettre de contribuer, de relire et d’être joint au sujet de vos contributions (exécution des conditions d’utilisation).\n\nCombien de temps : les sessions jusqu’à leur expiration (30 jours), les courriels envoyés 90 jours, les liens de vérification 7 jours après leur expiration, le journal d’administration 1 an ; le reste tant que votre compte existe.\n\nVos droits : depuis « Mon compte », vous pouvez télécharger toutes vos données (format JSON), les corriger, et supprimer votre compte. Vos contributions publiques restent alors attribuées à « compte supprimé ». Pour toute question, ou pour saisir la CNIL, voyez les mentions légales.`,
    },
    en: {
      title: 'Personal data',
      body: `What we keep: your email address, your public pseudonym, your language, your password's argon2id hash, your sessions (date, browser), your organisation memberships and the emails sent to you.\n\nWhy: so that you can contribute, review and be contacted about your contributions (performance of the terms of use).\n\nHow long: sessions until they expire (30 days), sent emails 90 days, verification links 7 days after they expire, the administration log 1 year; everything else while your account exists.\n\nYour rights: from "My account" you can download all your data (JSON), correct it and delete your account. Your public contributions then stay attributed to "deleted account". For any question, or to complain to the CNIL, see the legal notice.`,
    },
  },
  conditions: {
    fr: {
      title: 'Conditions d’utilisation',
      body: `En créant un compte, vous vous engagez à ne contribuer que des données que vous avez le droit de publier, à respecter les personnes (aucune donnée personnelle d’un tiers dans une observation) et à accepter la publication de vos contributions approuvées sous une licence ouverte.\n\nLes modérateurs peuvent refuser ou retirer une contribution. Les comptes qui abusent du service peuvent être suspendus.`,
    },
    en: {
      title: 'Terms of use',
      body: `By creating an account, you agree to contribute only data you have the right to publish, to respect people (no third party's personal data in an observation) and to the publication of your approved contributions under an open licence.\n\nModerators may reject or retract a contribution. Accounts that abuse the service may be suspended.`,
    },
  },
  accessibilite: {
    fr: {
      title: 'Accessibilité : partiellement conforme',
      body: `La Métropole de Lyon (démonstration) s’engage à rendre ce service accessible conformément à l’article 47 de la loi n° 2005-102 du 11 février 2005.\n\nÉtat de conformité : ce site est partiellement conforme au référentiel général d’amélioration de l’accessibilité (RGAA) version 4.1 : aucun audit complet n’a encore été réalisé ; les pages sont vérifiées automatiquement (axe-core) à chaque version.\n\nContenus non accessibles : la carte des observations n’a pas encore d’équivalent textuel complet.\n\nRetour d’information et contact : si vous n’arrivez pas à accéder à un contenu ou à un service, contactez le responsable du site pour être orienté vers une alternative accessible.\n\nVoies de recours : vous pouvez saisir le Défenseur des droits (https://www.defenseurdesdroits.fr).`,
    },
    en: {
      title: 'Accessibility: partially compliant',
      body: `The Métropole de Lyon (demonstration) undertakes to make this service accessible under article 47 of French law no. 2005-102 of 11 February 2005.\n\nCompliance status: this site is partially compliant with the French accessibility framework RGAA 4.1: no full audit has been carried out yet; pages are checked automatically (axe-core) at each release.\n\nNon-accessible content: the observations map does not yet have a complete text equivalent.\n\nFeedback and contact: if you cannot reach some content or service, contact the site's manager to be directed to an accessible alternative.\n\nRemedies: you may refer the matter to the Défenseur des droits (https://www.defenseurdesdroits.fr).`,
    },
  },
};
