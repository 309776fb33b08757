// What a moderator sees of an observation on the review screen: where, what, when, the
// re-encoded photo (only once its metadata is gone), the grade and who confirmed it.
import { Link } from '@remix-run/react';
import { useTranslation } from 'react-i18next';

export interface ObservationReviewProps {
  observation: {
    id: string;
    categoryLabel: string;
    communeName: string;
    lon: number;
    lat: number;
    description: string;
    observedAt: string | Date;
    grade: string;
    confirmationWeight: number;
    photoState: string;
    photoUrl: string | null;
    resolvedAt: string | Date | null;
    confirmationsList: { pseudonym: string; weight: number; at: string | Date }[];
  };
}

export function ObservationReview({ observation: o }: ObservationReviewProps) {
  const { t, i18n } = useTranslation('observations');
  const fmt = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' });
  return (
    <section aria-labelledby="observation-review-title" className="stack card" data-testid="observation-review">
      <h2 id="observation-review-title">{t('review.title')}</h2>
      <dl className="facts">
        <dt>{t('page.category')}</dt>
        <dd>{o.categoryLabel}</dd>
        <dt>{t('page.commune')}</dt>
        <dd>{o.communeName}</dd>
        <dt>{t('page.coordinates')}</dt>
        <dd>
          {o.lat.toFixed(5)}, {o.lon.toFixed(5)}
        </dd>
        <dt>{t('fields.observedAt')}</dt>
        <dd>{fmt.format(new Date(o.observedAt))}</dd>
        <dt>{t('page.grade')}</dt>
        <dd>
          <span className={`badge grade-${o.grade}`}>{t(`grades.${o.grade}`)}</span> ({t('review.weight', { weight: o.confirmationWeight })})
        </dd>
      </dl>
      <p style={{ whiteSpace: 'pre-wrap' }}>{o.description}</p>
      {o.photoUrl ? (
        <img className="observation-photo" src={o.photoUrl} alt={t('page.photoAlt')} style={{ maxWidth: '100%', height: 'auto' }} />
      ) : o.photoState === 'pending' ? (
        <p className="hint">{t('page.photoPending')}</p>
      ) : o.photoState === 'failed' ? (
        <p className="hint">{t('page.photoFailed')}</p>
      ) : null}
      <h3>{t('page.confirmations')}</h3>
      {o.confirmationsList.length ? (
        <ul>
          {o.confirmationsList.map((c, i) => (
            <li key={i}>
              {c.pseudonym} — {fmt.format(new Date(c.at))} — {t('review.weight', { weight: c.weight })}
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('review.noConfirmations')}</p>
      )}
      <p>
        <Link to={`/observations/${o.id}`}>{t('review.publicPage')}</Link>
      </p>
    </section>
  );
}
