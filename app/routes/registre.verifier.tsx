import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useTranslation } from 'react-i18next';
import type { RouteHandle } from '~/domain/identity/access';
import { CHECKPOINT_DIGEST, CHECKPOINT_LOOKUP, VERIFY_SCRIPT } from '~/domain/reputation/verify-script';
import { getT } from '~/i18n/i18n.server';

// How anyone can verify an exported chain with standard tools. The script shown here is the
// one a test runs against a real export (app/domain/reputation/verify-script.ts).
export const handle: RouteHandle = { access: 'public', i18n: 'reputation' };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export async function loader({ request }: LoaderFunctionArgs) {
  const t = await getT(request, 'reputation');
  return { title: t('verify.title') };
}

const CANONICAL =
  'terridata-ledger-v1|id|subject_type|subject_id|seq|requested_delta|effective_delta|balance_after|reason|ref_type|ref_id|actor_id|reverses_entry_id|created_at|prev_hash';

export default function VerifyChain() {
  const { t } = useTranslation('reputation');
  return (
    <>
      <h1>{t('verify.title')}</h1>
      <p className="lead">{t('verify.intro')}</p>
      <ol className="steps">
        <li>{t('verify.step1')}</li>
        <li>
          {t('verify.step2')}
          <pre>
            <code>sh verifier-registre.sh registre.json</code>
          </pre>
          <pre className="script">
            <code>{VERIFY_SCRIPT}</code>
          </pre>
          <p>
            <a href="/registre/verifier-registre.sh" download>
              {t('verify.download')}
            </a>
          </p>
        </li>
        <li>{t('verify.step3')}</li>
        <li>{t('verify.step4')}</li>
      </ol>
      <p className="hint">{t('verify.requirements')}</p>
      <section aria-labelledby="canonical-title">
        <h2 id="canonical-title">{t('verify.canonicalTitle')}</h2>
        <p>{t('verify.canonical')}</p>
        <pre>
          <code>{CANONICAL}</code>
        </pre>
        <p>{t('verify.canonicalNote')}</p>
      </section>
      <section aria-labelledby="checkpoint-title">
        <h2 id="checkpoint-title">{t('verify.checkpointTitle')}</h2>
        <p>{t('verify.checkpointDigest')}</p>
        <pre>
          <code>{CHECKPOINT_DIGEST}</code>
        </pre>
        <p>{t('verify.checkpointLookup')}</p>
        <pre>
          <code>{CHECKPOINT_LOOKUP}</code>
        </pre>
      </section>
    </>
  );
}
