import type { MetaFunction } from '@remix-run/node';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';

export const handle: RouteHandle = { access: 'public' };

export const meta: MetaFunction = () => [
  { title: 'terridata' },
  { name: 'description', content: 'Données ouvertes contributives du territoire' },
];

export default function Home() {
  const { t } = useTranslation();
  return (
    <>
      <section className="hero" aria-labelledby="home-title">
        <h1 id="home-title">{t('home.title')}</h1>
        <p className="lead">{t('home.intro')}</p>
      </section>
      <section className="cards" aria-label={t('tagline')}>
        {(['partners', 'citizens', 'moderation', 'ledger'] as const).map((k) => (
          <article className="card" key={k}>
            <h2>{t(`home.${k}Title`)}</h2>
            <p>{t(`home.${k}`)}</p>
          </article>
        ))}
      </section>
    </>
  );
}
