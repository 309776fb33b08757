import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { DAILY_SMALL_CAP, EARNING_RULES, PRIVILEGES } from '~/domain/reputation/rules';
import type { EarningRule } from '~/domain/reputation/rules';
import { getT } from '~/i18n/i18n.server';

// The ledger's front page: what it is, the rules table, and where to go next.
export const handle: RouteHandle = { access: 'public', i18n: 'reputation' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request }: LoaderFunctionArgs) {
  const t = await getT(request, 'reputation');
  const rules = Object.entries(EARNING_RULES as Record<string, EarningRule>).map(([reason, r]) => ({
    reason,
    delta: r.delta,
    perUnit: Boolean(r.perUnit),
    maxPerRef: r.maxPerRef ?? null,
  }));
  return { title: t('home.title'), rules, privileges: PRIVILEGES.map((p) => ({ key: p.key, threshold: p.threshold })), cap: DAILY_SMALL_CAP };
}

export default function LedgerHome() {
  const { t } = useTranslation('reputation');
  const { rules, privileges, cap } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t('home.title')}</h1>
      <p className="lead">{t('home.intro')}</p>
      <section className="cards" aria-label={t('home.title')}>
        {(
          [
            ['/registre/classements', 'leaderboards'],
            ['/registre/verifier', 'verify'],
            ['/registre/points-de-controle', 'checkpoints'],
          ] as const
        ).map(([to, k]) => (
          <article className="card" key={k}>
            <h2>
              <Link to={to}>{t(`home.${k}`)}</Link>
            </h2>
            <p>{t(`home.${k}Text`)}</p>
          </article>
        ))}
      </section>
      <section aria-labelledby="rules-title">
        <h2 id="rules-title">{t('home.rulesTitle')}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('home.ruleReason')}</th>
              <th scope="col">{t('home.rulePoints')}</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.reason}>
                <td>{t(`reasons.${r.reason}`)}</td>
                <td>
                  {r.delta > 0 ? `+${r.delta}` : r.delta}
                  {r.perUnit ? ` ${t('home.perUnit')}` : ''}
                  {r.maxPerRef ? ` (${t('home.perRefMax', { max: r.maxPerRef })})` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="hint">{t('home.smallCap', { cap })}</p>
      </section>
      <section aria-labelledby="privileges-title">
        <h2 id="privileges-title">{t('home.privilegesTitle')}</h2>
        <ul>
          {privileges.map((p) => (
            <li key={p.key}>
              <strong>{t(`privileges.${p.key}`)}</strong> — {t('home.privilegeThreshold', { threshold: p.threshold })}.{' '}
              {t(`privileges.${p.key}_text`)}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
