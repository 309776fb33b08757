// One declared reuse in a list (the reuses page, a dataset's page).
import { Link } from '@remix-run/react';
import { useTranslation } from 'react-i18next';

export interface ReuseCardData {
  id: string;
  kind: string;
  title: string;
  url: string;
  description: string;
  hasImage: boolean;
  author: string | null;
  createdAt: string | Date;
  datasets: { slug: string; title: string }[];
}

export function ReuseCard({
  reuse,
  headingLevel = 3,
  showDatasets = true,
}: {
  reuse: ReuseCardData;
  headingLevel?: 2 | 3;
  showDatasets?: boolean;
}) {
  const { t, i18n } = useTranslation('reuses');
  const H = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <li className="card reuse-card">
      {reuse.hasImage ? (
        <img src={`/reutilisations/${reuse.id}/image`} alt="" width={160} loading="lazy" />
      ) : null}
      <H>
        <Link to={`/reutilisations/${reuse.id}`}>{reuse.title}</Link>
      </H>
      <p className="hint">
        {t(`kinds.${reuse.kind}`)} ·{' '}
        {t('reuse.declaredBy', {
          author: reuse.author ?? t('reuse.deletedAuthor'),
          date: new Date(reuse.createdAt).toLocaleDateString(
            i18n.language === 'en' ? 'en-GB' : 'fr-FR',
          ),
        })}
      </p>
      {reuse.description ? (
        <p>
          {reuse.description.length > 280
            ? `${reuse.description.slice(0, 280)}…`
            : reuse.description}
        </p>
      ) : null}
      <p>
        <a href={reuse.url} rel="noopener noreferrer nofollow ugc">
          {t('reuse.visit', { title: reuse.title })}
        </a>
      </p>
      {showDatasets && reuse.datasets.length ? (
        <p>
          {t('reuse.usesDatasets')}{' '}
          {reuse.datasets.map((d, i) => (
            <span key={d.slug}>
              {i ? ', ' : ''}
              <Link to={`/datasets/${d.slug}`}>{d.title}</Link>
            </span>
          ))}
        </p>
      ) : null}
    </li>
  );
}
