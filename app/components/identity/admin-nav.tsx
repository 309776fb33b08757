import { NavLink } from '@remix-run/react';
import { useTranslation } from 'react-i18next';

const links = [
  ['/admin', 'home'],
  ['/admin/utilisateurs', 'users'],
  ['/admin/organisations', 'organizations'],
  ['/admin/courriels', 'emails'],
  ['/admin/journal', 'journal'],
  ['/admin/taches', 'jobs'],
  ['/admin/pages', 'pages'],
  ['/admin/listes', 'lists'],
] as const;

export function AdminNav() {
  const { t } = useTranslation('admin');
  return (
    <nav aria-label={t('nav.label')} className="admin-nav">
      <ul>
        {links.map(([to, key]) => (
          <li key={to}>
            <NavLink to={to} end>
              {t(`nav.${key}`)}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
