// On a dataset's page: its declared reuses, and the link to declare one; the notice that
// goes with files under a traceable licence.
import { Link } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { ReuseCard } from './ReuseCard';
import type { ReuseCardData } from './ReuseCard';

export function DatasetReuses({ reuses, slug }: { reuses: ReuseCardData[]; slug: string }) {
  const { t } = useTranslation('reuses');
  return (
    <section aria-labelledby="reuses-title">
      <h2 id="reuses-title">{t('reuse.sectionTitle')}</h2>
      {reuses.length ? (
        <ul className="reuses">
          {reuses.map((r) => (
            <ReuseCard key={r.id} reuse={r} showDatasets={false} />
          ))}
        </ul>
      ) : (
        <p>{t('reuse.sectionNone')}</p>
      )}
      <p>
        <Link to={`/reutilisations/nouvelle?jeu=${encodeURIComponent(slug)}`}>
          {t('reuse.declareForDataset')}
        </Link>
      </p>
    </section>
  );
}

export function TraceableNotice({ licenceId }: { licenceId: string }) {
  const { t } = useTranslation('reuses');
  return (
    <p className="notice warn">
      {t('reuse.traceableNotice')}{' '}
      <Link to={`/licences/${encodeURIComponent(licenceId)}`}>{t('reuse.traceableHow')}</Link>
    </p>
  );
}
