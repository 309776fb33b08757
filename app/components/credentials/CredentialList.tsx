// Lists of credentials (personal keys, organisation tokens) with their last use and a revoke
// button, the one-time display of a new secret, and the notices both pages show after an action.
import { Form } from '@remix-run/react';
import { useTranslation } from 'react-i18next';

export interface CredentialRow {
  id: string;
  name: string;
  purpose: string | null;
  scopes: string[];
  displayPrefix: string;
  organization: { name: string } | null;
  createdBy: string | null;
  createdAt: string | Date;
  lastUsedAt: string | Date | null;
  revokedAt: string | Date | null;
}

export function CredentialList({
  credentials,
  showPurpose = false,
  showCreator = false,
}: {
  credentials: CredentialRow[];
  showPurpose?: boolean;
  showCreator?: boolean;
}) {
  const { t, i18n } = useTranslation('reuses');
  const when = (d: string | Date) =>
    new Date(d).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'fr-FR', {
      dateStyle: 'medium',
      timeStyle: 'short',
    });
  if (!credentials.length) return <p>{t('keys.none')}</p>;
  return (
    <div className="table-scroll" role="region" aria-label={t('keys.listTitle')} tabIndex={0}>
      <table className="credentials">
        <thead>
          <tr>
            <th scope="col">{t('keys.columns.name')}</th>
            <th scope="col">{t('keys.columns.prefix')}</th>
            <th scope="col">{t('keys.columns.scopes')}</th>
            {showPurpose ? <th scope="col">{t('keys.columns.purpose')}</th> : null}
            {showCreator ? <th scope="col">{t('keys.columns.createdBy')}</th> : null}
            <th scope="col">{t('keys.columns.created')}</th>
            <th scope="col">{t('keys.columns.lastUsed')}</th>
            <th scope="col">{t('keys.columns.status')}</th>
          </tr>
        </thead>
        <tbody>
          {credentials.map((c) => (
            <tr key={c.id}>
              <td>
                {c.name}
                {c.organization ? <span className="hint"> — {c.organization.name}</span> : null}
              </td>
              <td>
                <code>{c.displayPrefix}…</code>
              </td>
              <td>{c.scopes.map((s) => t(`scopes.${s}`)).join(', ')}</td>
              {showPurpose ? <td>{c.purpose ?? '—'}</td> : null}
              {showCreator ? <td>{c.createdBy ?? '—'}</td> : null}
              <td>{when(c.createdAt)}</td>
              <td>{c.lastUsedAt ? when(c.lastUsedAt) : t('keys.neverUsed')}</td>
              <td>
                {c.revokedAt ? (
                  t('keys.revokedOn', { date: when(c.revokedAt) })
                ) : (
                  <Form method="post">
                    <input type="hidden" name="intent" value="revoke" />
                    <input type="hidden" name="credentialId" value={c.id} />
                    <button
                      type="submit"
                      className="danger"
                      aria-label={t('keys.revokeNamed', { name: c.name })}
                    >
                      {t('keys.revoke')}
                    </button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function NewSecret({
  secret,
  name,
  origin,
}: {
  secret: string;
  name: string;
  origin: string;
}) {
  const { t } = useTranslation('reuses');
  return (
    <div className="notice ok" role="status" aria-labelledby="new-secret-title">
      <h2 id="new-secret-title">{t('keys.createdTitle', { name })}</h2>
      <p>{t('keys.shownOnce')}</p>
      <p>
        <label htmlFor="new-secret">{t('keys.secretLabel')}</label>
        <input
          id="new-secret"
          name="new-secret"
          readOnly
          value={secret}
          className="secret"
          spellCheck={false}
          autoComplete="off"
          onFocus={(e) => e.currentTarget.select()}
        />
      </p>
      <p>{t('keys.howToUse')}</p>
      <pre tabIndex={0}>
        <code>{`curl -H "Authorization: Bearer ${secret}" ${origin}/api/v1/datasets`}</code>
      </pre>
    </div>
  );
}

/** What a credential page's action answered: a new secret (shown once), a revocation, an error. */
export interface CredentialActionOutcome {
  secret?: string;
  name?: string;
  revoked?: boolean;
  error?: string;
}

/** The notices at the top of both credential pages, after a creation or a revocation. */
export function CredentialNotices({
  outcome,
  origin,
}: {
  outcome: CredentialActionOutcome | undefined;
  origin: string;
}) {
  const { t } = useTranslation('reuses');
  return (
    <>
      {outcome?.secret ? (
        <NewSecret secret={outcome.secret} name={outcome.name ?? ''} origin={origin} />
      ) : null}
      {outcome?.revoked ? (
        <p className="notice ok" role="status">
          {t('keys.revoked')}
        </p>
      ) : null}
      {outcome?.error ? (
        <p className="notice error" role="alert">
          {outcome.error}
        </p>
      ) : null}
    </>
  );
}
