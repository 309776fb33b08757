// A plain list of datasets (organisation and commune pages, the home page).
import { Link } from '@remix-run/react';
import { useTranslation } from 'react-i18next';

export interface DatasetListEntry {
  slug: string;
  title: string;
  updatedAt: Date | string;
  archived?: boolean;
  publisher?: string | null;
}

export function DatasetList({ items, emptyText }: { items: DatasetListEntry[]; emptyText?: string }) {
  const { t, i18n } = useTranslation('catalogue');
  if (!items.length) return <p>{emptyText ?? t('list.empty')}</p>;
  return (
    <ul className="dataset-list">
      {items.map((d) => (
        <li key={d.slug}>
          <Link to={`/datasets/${d.slug}`}>{d.title}</Link>
          {d.publisher ? <> — {d.publisher}</> : null}{' '}
          <span className="hint">
            {t('list.updated', { date: new Date(d.updatedAt).toLocaleDateString(i18n.language) })}
            {d.archived ? ` · ${t('archived')}` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}
