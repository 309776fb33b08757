// A legal page: title, paragraphs of plain text (no HTML from the database), version and
// date, and an edit link for admins.
import { Link } from '@remix-run/react';
import { useTranslation } from 'react-i18next';

export interface LegalPageData {
  title: string;
  slug: string;
  body: string;
  version: number;
  updatedAt: string | null;
  canEdit: boolean;
}

export function LegalPageView({
  page,
  showVersion = false,
}: {
  page: LegalPageData;
  showVersion?: boolean;
}) {
  const { t, i18n } = useTranslation('identity');
  return (
    <article aria-labelledby="legal-title" className="legal-page">
      <h1 id="legal-title">{page.title}</h1>
      {showVersion ? <p className="hint">{t('terms.version', { version: page.version })}</p> : null}
      {page.body.split(/\n\s*\n/).map((p, i) => (
        <p key={i}>
          {p.split('\n').map((line, j, all) => (
            <span key={j}>
              {line}
              {j < all.length - 1 ? <br /> : null}
            </span>
          ))}
        </p>
      ))}
      {page.updatedAt ? (
        <p className="hint">
          {t('terms.updated', {
            date: new Date(page.updatedAt).toLocaleDateString(
              i18n.language === 'en' ? 'en-GB' : 'fr-FR',
            ),
          })}
        </p>
      ) : null}
      {page.canEdit ? (
        <p>
          <Link to={`/admin/pages/${page.slug}`}>{t('legal.edit')}</Link>
        </p>
      ) : null}
    </article>
  );
}
