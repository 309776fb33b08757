// /api — the open APIs for people: endpoints, and the OpenAPI document rendered as plain
// server-side HTML (paths, parameters, responses, schemas); no script, no external CDN.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { openApiDocument } from '~/domain/openapi/openapi.server';
import { publicOrigin } from '~/domain/openapi/records.server';
import { getT } from '~/i18n/i18n.server';

export const handle: RouteHandle = { access: 'public', i18n: 'openapi' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

type Schema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  anyOf?: Schema[];
  enum?: unknown[];
};

function typeOf(s: Schema | undefined): string {
  if (!s) return '';
  if (s.$ref) return s.$ref.split('/').pop() ?? '';
  if (s.enum) return s.enum.map(String).join(' | ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
  if (s.type === 'array') return `${typeOf(s.items)}[]`;
  return Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
}

const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;
interface Operation {
  operationId: string;
  summary: string;
  security?: unknown[];
  requestBody?: { content?: Record<string, { schema: Schema }> };
  parameters?: {
    name: string;
    in: string;
    required: boolean;
    description?: string;
    schema: Schema;
  }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const t = await getT(request, 'openapi');
  const origin = publicOrigin(context, request);
  const doc = openApiDocument(origin);
  const paths = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
    ([path, ops]) =>
      METHODS.filter((m) => ops[m]).map((method) => {
        const op = ops[method]!;
        return {
          path,
          method: method.toUpperCase(),
          id: op.operationId,
          summary: op.summary,
          signedIn: Boolean(op.security?.length),
          body: typeOf(Object.values(op.requestBody?.content ?? {})[0]?.schema),
          parameters: (op.parameters ?? []).map((p) => ({
            name: p.name,
            in: p.in,
            required: p.required,
            description: p.description ?? '',
            type: typeOf(p.schema),
          })),
          responses: Object.entries(op.responses).map(([code, r]) => ({
            code,
            description: r.description,
            type: typeOf(Object.values(r.content ?? {})[0]?.schema),
          })),
        };
      }),
  );
  const schemas = Object.entries(doc.components.schemas as Record<string, Schema>).map(
    ([name, s]) => ({
      name,
      properties: Object.entries(s.properties ?? {}).map(([p, ps]) => ({
        name: p,
        type: typeOf(ps),
        required: (s.required ?? []).includes(p),
        description: ps.description ?? '',
      })),
    }),
  );
  return {
    title: t('title'),
    origin,
    base: doc.servers[0]!.url,
    description: doc.info.description,
    paths,
    schemas,
  };
}

export default function ApiPage() {
  const data = useLoaderData<typeof loader>();
  const { t } = useTranslation('openapi');
  return (
    <div className="stack">
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      <h2>{t('formats')}</h2>
      <ul>
        <li>
          <code>{data.base}</code> — {t('json')} <a href="/api/v1/openapi.json">{t('document')}</a>
        </li>
        <li>
          <a href="/catalog">
            <code>{data.origin}/catalog</code>
          </a>{' '}
          — {t('dcat')}
        </li>
        <li>
          <a href="/api/3/action/package_search">
            <code>{data.origin}/api/3/action/</code>
          </a>{' '}
          — {t('ckan')}
        </li>
      </ul>
      <p className="hint">{data.description}</p>
      <h2>{t('paths')}</h2>
      {data.paths.map((p) => (
        <section key={p.id} className="card" id={p.id}>
          <h3>
            <code>{`${p.method} ${p.path}`}</code>
          </h3>
          <p>{p.summary}</p>
          {p.signedIn ? <p className="hint">{t('signedIn')}</p> : null}
          {p.body ? (
            <p>
              {t('body')} <code>{p.body}</code>
            </p>
          ) : null}
          {p.parameters.length ? (
            <table>
              <caption>{t('parameters')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('name')}</th>
                  <th scope="col">{t('in')}</th>
                  <th scope="col">{t('type')}</th>
                  <th scope="col">{t('description')}</th>
                </tr>
              </thead>
              <tbody>
                {p.parameters.map((x) => (
                  <tr key={`${x.in}-${x.name}`}>
                    <td>
                      <code>{x.name}</code>
                      {x.required ? ` (${t('required')})` : ''}
                    </td>
                    <td>{x.in}</td>
                    <td>
                      <code>{x.type}</code>
                    </td>
                    <td>{x.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <h4>{t('responses')}</h4>
          <ul>
            {p.responses.map((r) => (
              <li key={r.code}>
                <code>{r.code}</code> {r.description} {r.type ? <code>{r.type}</code> : null}
              </li>
            ))}
          </ul>
        </section>
      ))}
      <h2>{t('schemas')}</h2>
      {data.schemas.map((s) => (
        <section key={s.name} id={`schema-${s.name}`}>
          <h3>{s.name}</h3>
          {s.properties.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('property')}</th>
                  <th scope="col">{t('type')}</th>
                  <th scope="col">{t('description')}</th>
                </tr>
              </thead>
              <tbody>
                {s.properties.map((x) => (
                  <tr key={x.name}>
                    <td>
                      <code>{x.name}</code>
                      {x.required ? ` (${t('required')})` : ''}
                    </td>
                    <td>
                      <code>{x.type}</code>
                    </td>
                    <td>{x.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ))}
    </div>
  );
}
