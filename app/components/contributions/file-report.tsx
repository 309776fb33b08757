// One contributed file and what its validation found, readable by a non-specialist.
import { useTranslation } from 'react-i18next';
import type { FileItem } from '~/domain/contributions/files.server';

export function FileReport({ file, children }: { file: FileItem; children?: React.ReactNode }) {
  const { t, i18n } = useTranslation('contributions');
  const lng = i18n.language === 'en' ? 'en' : 'fr';
  const progress = file.declaredSize ? Math.floor((file.offset / file.declaredSize) * 100) : 100;
  const pending = file.status === 'uploading' || file.status === 'complete';
  return (
    <article className={`card file-report file-${file.status}`} data-file-status={file.status} aria-labelledby={`file-${file.id}`}>
      <h3 id={`file-${file.id}`}>{file.filename}</h3>
      <p>
        <span className={`badge badge-${file.status}`}>{t(`report.status.${file.status}`)}</span>
        {file.status === 'uploading' ? (
          <>
            {' '}
            <progress max={100} value={progress} aria-label={t('report.progress', { name: file.filename })}>
              {progress} %
            </progress>{' '}
            {progress} %
          </>
        ) : null}
        {file.status === 'complete' ? <span role="status"> {t('wizard.reportPending')}</span> : null}
      </p>
      {!pending && file.facts.length ? (
        <dl className="facts">
          {file.facts.map((f) => (
            <div key={f.key}>
              <dt>{t(`report.facts.${f.key}`)}</dt>
              <dd>{f.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {file.reasons.length ? (
        <div className="notice error">
          <p>{t('report.reasons')}</p>
          <ul>
            {file.reasons.map((r, i) => (
              <li key={`${r.code}-${i}`}>{r[lng]}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {file.warnings.length ? (
        <div className="notice warn">
          <p>{t('report.warnings', { count: file.warnings.length })}</p>
          <ul>
            {file.warnings.map((w, i) => (
              <li key={`${w.code}-${i}`}>{w[lng]}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {children}
    </article>
  );
}
