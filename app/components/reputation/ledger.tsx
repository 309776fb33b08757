// Presentational pieces of the ledger pages: the entries table, the standing with its
// privileges, and the pagination. No data access.
import { Link } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import { refHref } from '~/domain/reputation/links';

export interface EntryView {
  id: number;
  seq: number;
  requested_delta: number;
  effective_delta: number;
  balance_after: number;
  reason: string;
  ref_type: string | null;
  ref_id: string | null;
  reverses_entry_id: number | null;
  reverses_seq: number | null;
  created_at: string;
  hash: string;
}

export interface StandingView {
  balance: number;
  entries: number;
  headHash: string | null;
  privileges: { held: string[]; next: { key: string; threshold: number; missing: number } | null };
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

export function useDateFormat() {
  const { i18n } = useTranslation();
  const f = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Europe/Paris',
  });
  return (iso: string) => f.format(new Date(iso));
}

export function StandingSummary({ standing }: { standing: StandingView }) {
  const { t } = useTranslation('reputation');
  const next = standing.privileges.next;
  return (
    <section aria-labelledby="standing-title" className="card">
      <h2 id="standing-title">
        {t('ledger.balanceIs', { points: t('ledger.points', { count: standing.balance }) })}
      </h2>
      <p>{t('ledger.entries', { count: standing.entries })}</p>
      <h3>{t('privileges.held')}</h3>
      {standing.privileges.held.length ? (
        <ul>
          {standing.privileges.held.map((k) => (
            <li key={k}>
              <strong>{t(`privileges.${k}`)}</strong> — {t(`privileges.${k}_text`)}
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('privileges.none')}</p>
      )}
      <p>
        {next
          ? t('privileges.next', { name: t(`privileges.${next.key}`), threshold: next.threshold, missing: next.missing })
          : t('privileges.allHeld')}
      </p>
      {standing.headHash ? (
        <p className="hint">
          {t('ledger.headIs')} <code className="hash">{standing.headHash}</code>
        </p>
      ) : null}
    </section>
  );
}

export function EntriesTable({ entries }: { entries: EntryView[] }) {
  const { t } = useTranslation('reputation');
  const date = useDateFormat();
  if (entries.length === 0) return <p>{t('ledger.empty')}</p>;
  return (
    <div className="table-scroll">
      <table>
        <caption className="visually-hidden">{t('ledger.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('ledger.seq')}</th>
            <th scope="col">{t('ledger.date')}</th>
            <th scope="col">{t('ledger.reason')}</th>
            <th scope="col">{t('ledger.delta')}</th>
            <th scope="col">{t('ledger.balanceAfter')}</th>
            <th scope="col">{t('ledger.cause')}</th>
            <th scope="col">{t('ledger.hash')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const href = refHref(e.ref_type, e.ref_id);
            const refLabel = e.ref_type ? t(`refs.${e.ref_type}`, { id: e.ref_id }) : null;
            return (
              <tr key={e.id} id={`e-${e.seq}`}>
                <td>{e.seq}</td>
                <td>
                  <time dateTime={e.created_at}>{date(e.created_at)}</time>
                </td>
                <td>{t(`reasons.${e.reason}`, { defaultValue: e.reason })}</td>
                <td>
                  {signed(e.effective_delta)}
                  {e.requested_delta !== e.effective_delta ? (
                    <span className="hint"> ({t('ledger.requested', { requested: signed(e.requested_delta) })})</span>
                  ) : null}
                </td>
                <td>{e.balance_after}</td>
                <td>
                  {href && refLabel ? <Link to={href}>{refLabel}</Link> : (refLabel ?? t('refs.none'))}
                  {e.reverses_seq !== null ? (
                    <>
                      {' · '}
                      <a href={`#e-${e.reverses_seq}`}>{t('refs.reverses', { seq: e.reverses_seq })}</a>
                    </>
                  ) : null}
                </td>
                <td>
                  <code className="hash" title={e.hash}>
                    {e.hash.slice(0, 12)}…
                  </code>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function Pagination({ page, pages, basePath }: { page: number; pages: number; basePath: string }) {
  const { t } = useTranslation('reputation');
  if (pages <= 1) return null;
  return (
    <nav aria-label={t('ledger.pagination')} className="pagination">
      <ul>
        {page > 1 ? (
          <li>
            <Link to={`${basePath}?page=${page - 1}`} rel="prev">
              {t('ledger.previous')}
            </Link>
          </li>
        ) : null}
        <li aria-current="page">{t('ledger.pageOf', { page, pages })}</li>
        {page < pages ? (
          <li>
            <Link to={`${basePath}?page=${page + 1}`} rel="next">
              {t('ledger.next')}
            </Link>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

export function ExportLinks({ type, id }: { type: string; id: string }) {
  const { t } = useTranslation('reputation');
  return (
    <p>
      {t('ledger.exportIs')}{' '}
      <a href={`/registre/${type}/${id}/export.csv`} download>
        {t('ledger.exportCsv')}
      </a>
      {' · '}
      <a href={`/registre/${type}/${id}/export.json`} download>
        {t('ledger.exportJson')}
      </a>
      {' · '}
      <Link to="/registre/verifier">{t('ledger.verifyLink')}</Link>
    </p>
  );
}
