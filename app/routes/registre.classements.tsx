import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { communeLeaderboard, leaderboard, listCommunes, monthlyLeaderboard } from '~/domain/reputation/reputation.server';
import type { LeaderboardRow } from '~/domain/reputation/reputation.server';
import { leaderboardQuerySchema } from '~/domain/reputation/reputation.schema';
import { getT } from '~/i18n/i18n.server';

// Leaderboards: citizens and organisations, all time or for one month; organisations of a commune.
export const handle: RouteHandle = { access: 'public', i18n: 'reputation' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const t = await getT(request, 'reputation');
  const url = new URL(request.url);
  const parsed = leaderboardQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  const query = parsed.success ? parsed.data : {};
  const db = context.db;
  const month = query.mois ?? null;
  const [citizens, organizations, communes] = await Promise.all([
    month ? monthlyLeaderboard(db, 'user', month) : leaderboard(db, 'user'),
    month ? monthlyLeaderboard(db, 'organization', month) : leaderboard(db, 'organization'),
    listCommunes(db),
  ]);
  const commune = query.commune ? communes.find((c) => c.code === query.commune) ?? null : null;
  const byCommune = commune ? await communeLeaderboard(db, commune.code) : null;
  return {
    title: t('leaderboards.title'),
    month,
    invalid: !parsed.success,
    citizens,
    organizations,
    communes,
    commune,
    byCommune,
  };
}

function Board({ id, title, rows }: { id: string; title: string; rows: LeaderboardRow[] }) {
  const { t } = useTranslation('reputation');
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <p>{t('leaderboards.empty')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('leaderboards.rank')}</th>
              <th scope="col">{t('leaderboards.name')}</th>
              <th scope="col">{t('leaderboards.points')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.subjectId}>
                <td>{r.rank}</td>
                <td>
                  <Link to={`/registre/${r.subjectType}/${r.subjectId}`}>
                    {r.deleted ? t('ledger.deletedAccount') : (r.name ?? t('ledger.unnamed', { id: r.subjectId.slice(0, 8) }))}
                  </Link>
                </td>
                <td>{r.points}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export default function Leaderboards() {
  const { t } = useTranslation('reputation');
  const { month, invalid, citizens, organizations, communes, commune, byCommune } = useLoaderData<typeof loader>();
  const suffix = month ? ` — ${t('leaderboards.monthTitle', { month })}` : ` — ${t('leaderboards.allTime')}`;
  return (
    <>
      <h1>{t('leaderboards.title')}</h1>
      <Form method="get" className="stack">
        <div>
          <label htmlFor="mois">{t('leaderboards.month')}</label>
          <input id="mois" name="mois" type="month" defaultValue={month ?? ''} aria-describedby={invalid ? 'mois-error' : undefined} />
          {invalid ? (
            <p id="mois-error" className="field-error">
              {t('leaderboards.invalidMonth')}
            </p>
          ) : null}
        </div>
        <div>
          <label htmlFor="commune">{t('leaderboards.commune')}</label>
          <select id="commune" name="commune" defaultValue={commune?.code ?? ''}>
            <option value="">{t('leaderboards.communeAll')}</option>
            {communes.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit">{t('leaderboards.show')}</button>
        </div>
      </Form>
      <Board id="citizens" title={`${t('leaderboards.citizens')}${suffix}`} rows={citizens} />
      <Board id="organizations" title={`${t('leaderboards.organizations')}${suffix}`} rows={organizations} />
      {commune && byCommune ? (
        <>
          <Board id="commune" title={t('leaderboards.communeTitle', { commune: commune.name })} rows={byCommune} />
          <p className="hint">{t('leaderboards.communeCitizens')}</p>
        </>
      ) : null}
    </>
  );
}
