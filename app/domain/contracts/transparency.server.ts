// The public transparency report: contracts with an open-data clause, their obligations,
// each occurrence's status, and compliance (on time, late, missing) per contractor and per
// public body. The same report feeds the page, the CSV export and the JSON API; the JSON
// shapes are zod schemas so that the OpenAPI document is generated from them.
import { z } from 'zod';
import type { DB } from '#db/client';
import { occurrencesOf } from './fulfilment.server';
import type { OccurrenceView } from './fulfilment.server';
import { parisDate } from './schedule';
import type { OccurrenceStatus } from './schedule';

export const complianceSchema = z.object({
  onTime: z
    .number()
    .int()
    .describe('Occurrences delivered on time (submitted by the due date, then published)'),
  late: z.number().int().describe('Occurrences delivered after the due date'),
  missing: z.number().int().describe('Occurrences past due with nothing delivered'),
  pending: z.number().int().describe('Deliveries submitted and awaiting moderation'),
  upcoming: z.number().int().describe('Occurrences not yet due'),
  rate: z
    .number()
    .nullable()
    .describe('onTime / (onTime + late + missing), null when nothing is due yet'),
});

const partySchema = z.object({ id: z.uuid(), name: z.string(), slug: z.string() });

export const occurrenceSchema = z.object({
  dueOn: z.string().describe('Due date (calendar day, Europe/Paris)'),
  deadline: z.string().describe('The instant the due date ends in Paris (ISO 8601)'),
  status: z.enum(['upcoming', 'soon_due', 'overdue', 'submitted', 'on_time', 'late']),
  deliveredAt: z.string().nullable().describe('When the fulfilling delivery was first submitted'),
  fulfilledAt: z.string().nullable().describe('When it was published'),
});

export const obligationSchema = z.object({
  id: z.uuid(),
  datasetTitle: z.string(),
  dataset: z
    .object({ slug: z.string(), url: z.string() })
    .nullable()
    .describe('The published dataset, once there is one'),
  frequency: z.enum(['once', 'monthly', 'quarterly', 'yearly']).nullable(),
  expectedFormat: z.string(),
  licence: z.string(),
  compliance: complianceSchema,
  occurrences: z.array(occurrenceSchema),
});

export const contractSchema = z.object({
  id: z.uuid(),
  reference: z.string(),
  title: z.string(),
  publicBody: partySchema,
  contractor: partySchema,
  startsOn: z.string(),
  endsOn: z.string(),
  noticeUrl: z.string().nullable(),
  compliance: complianceSchema,
  obligations: z.array(obligationSchema),
});

export const transparencySchema = z.object({
  generatedAt: z.string(),
  contracts: z.array(contractSchema),
  contractors: z.array(partySchema.extend({ compliance: complianceSchema })),
  publicBodies: z.array(partySchema.extend({ compliance: complianceSchema })),
});

export type Compliance = z.infer<typeof complianceSchema>;
export type TransparencyReport = z.infer<typeof transparencySchema>;

export const transparencyQuery = z.object({
  organisme: z.string().max(200).optional().describe('Slug of a public body'),
  titulaire: z.string().max(200).optional().describe('Slug of a contractor'),
});
export type TransparencyFilters = z.infer<typeof transparencyQuery> & { contractId?: string };

function emptyCompliance(): Compliance {
  return { onTime: 0, late: 0, missing: 0, pending: 0, upcoming: 0, rate: null };
}

function count(c: Compliance, s: OccurrenceStatus, pastDeadline: boolean) {
  if (s === 'on_time') c.onTime++;
  else if (s === 'late') c.late++;
  else if (s === 'overdue') c.missing++;
  else if (s === 'submitted' && pastDeadline) c.pending++;
  else c.upcoming++;
}

function finish(c: Compliance): Compliance {
  const due = c.onTime + c.late + c.missing;
  return { ...c, rate: due ? Math.round((c.onTime / due) * 1000) / 1000 : null };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function transparencyReport(
  db: DB,
  filters: TransparencyFilters = {},
  now = new Date(),
): Promise<TransparencyReport> {
  let q = db
    .selectFrom('contract as k')
    .innerJoin('organization as pb', 'pb.id', 'k.public_body_id')
    .innerJoin('organization as ct', 'ct.id', 'k.contractor_id')
    .select([
      'k.id',
      'k.reference',
      'k.title',
      (eb) => eb.cast<string>('k.starts_on', 'text').as('starts_on'),
      (eb) => eb.cast<string>('k.ends_on', 'text').as('ends_on'),
      'k.notice_url',
      'pb.id as pb_id',
      'pb.name as pb_name',
      'pb.slug as pb_slug',
      'ct.id as ct_id',
      'ct.name as ct_name',
      'ct.slug as ct_slug',
    ])
    .orderBy('pb.name')
    .orderBy('k.reference');
  if (filters.organisme) q = q.where('pb.slug', '=', filters.organisme);
  if (filters.titulaire) q = q.where('ct.slug', '=', filters.titulaire);
  if (filters.contractId) q = q.where('k.id', '=', filters.contractId);
  const contracts = await q.execute();
  const obligations = contracts.length
    ? await db
        .selectFrom('contract_obligation as ob')
        .leftJoin('dataset as ds', (j) =>
          j.onRef('ds.id', '=', 'ob.dataset_id').on('ds.state', '=', 'published'),
        )
        .select([
          'ob.id',
          'ob.contract_id',
          'ob.dataset_title',
          'ob.frequency',
          'ob.expected_format',
          'ob.licence_id',
          'ds.slug',
        ])
        .where(
          'ob.contract_id',
          'in',
          contracts.map((k) => k.id),
        )
        .orderBy('ob.position')
        .execute()
    : [];
  const occurrences = await occurrencesOf(
    db,
    obligations.map((o) => o.id),
    now,
  );
  const byObligation = new Map<string, OccurrenceView[]>();
  for (const o of occurrences)
    byObligation.set(o.obligationId, [...(byObligation.get(o.obligationId) ?? []), o]);

  const contractors = new Map<
    string,
    { id: string; name: string; slug: string; compliance: Compliance }
  >();
  const bodies = new Map<
    string,
    { id: string; name: string; slug: string; compliance: Compliance }
  >();
  const out = contracts.map((k) => {
    const kc = emptyCompliance();
    const ct = contractors.get(k.ct_id) ?? {
      id: k.ct_id,
      name: k.ct_name,
      slug: k.ct_slug,
      compliance: emptyCompliance(),
    };
    const pb = bodies.get(k.pb_id) ?? {
      id: k.pb_id,
      name: k.pb_name,
      slug: k.pb_slug,
      compliance: emptyCompliance(),
    };
    contractors.set(ct.id, ct);
    bodies.set(pb.id, pb);
    const obs = obligations
      .filter((o) => o.contract_id === k.id)
      .map((o) => {
        const oc = emptyCompliance();
        const occ = byObligation.get(o.id) ?? [];
        for (const x of occ) {
          const past = now.getTime() >= x.deadline.getTime();
          for (const c of [oc, kc, ct.compliance, pb.compliance]) count(c, x.status, past);
        }
        return {
          id: o.id,
          datasetTitle: o.dataset_title,
          dataset: o.slug ? { slug: o.slug, url: `/datasets/${o.slug}` } : null,
          frequency: o.frequency as 'once' | 'monthly' | 'quarterly' | 'yearly' | null,
          expectedFormat: o.expected_format,
          licence: o.licence_id,
          compliance: finish(oc),
          occurrences: occ.map((x) => ({
            dueOn: x.dueOn,
            deadline: x.deadline.toISOString(),
            status: x.status,
            deliveredAt: iso(x.deliveredAt),
            fulfilledAt: iso(x.fulfilledAt),
          })),
        };
      });
    return {
      id: k.id,
      reference: k.reference,
      title: k.title,
      publicBody: { id: k.pb_id, name: k.pb_name, slug: k.pb_slug },
      contractor: { id: k.ct_id, name: k.ct_name, slug: k.ct_slug },
      startsOn: k.starts_on,
      endsOn: k.ends_on,
      noticeUrl: k.notice_url,
      compliance: finish(kc),
      obligations: obs,
    };
  });
  const sortByName = <T extends { name: string }>(xs: T[]) =>
    xs.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  return {
    generatedAt: now.toISOString(),
    contracts: out,
    contractors: sortByName([...contractors.values()]).map((x) => ({
      ...x,
      compliance: finish(x.compliance),
    })),
    publicBodies: sortByName([...bodies.values()]).map((x) => ({
      ...x,
      compliance: finish(x.compliance),
    })),
  };
}

function csvCell(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  // Formula injection: a cell starting with = + - @ is prefixed so spreadsheets show it as text.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",;\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One row per occurrence (UTF-8 with BOM, comma-separated), for spreadsheets. */
export function transparencyCsv(report: TransparencyReport): string {
  const head = [
    'organisme_public',
    'titulaire',
    'reference_contrat',
    'contrat',
    'jeu_de_donnees',
    'url_jeu_de_donnees',
    'frequence',
    'echeance',
    'statut',
    'soumis_le',
    'publie_le',
  ];
  const lines = [head.join(',')];
  for (const k of report.contracts) {
    for (const o of k.obligations) {
      for (const x of o.occurrences) {
        lines.push(
          [
            k.publicBody.name,
            k.contractor.name,
            k.reference,
            k.title,
            o.datasetTitle,
            o.dataset?.url ?? null,
            o.frequency,
            x.dueOn,
            x.status,
            x.deliveredAt ? parisDate(new Date(x.deliveredAt)) : null,
            x.fulfilledAt ? parisDate(new Date(x.fulfilledAt)) : null,
          ]
            .map(csvCell)
            .join(','),
        );
      }
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export const obligationDetailSchema = obligationSchema.extend({
  contract: z.object({
    id: z.uuid(),
    reference: z.string(),
    title: z.string(),
    publicBody: partySchema,
    contractor: partySchema,
  }),
});
export type ObligationDetail = z.infer<typeof obligationDetailSchema>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The contractor organisation an obligation binds, or null. */
export async function obligationContractor(db: DB, obligationId: string): Promise<string | null> {
  if (!UUID.test(obligationId)) return null;
  const r = await db
    .selectFrom('contract_obligation as ob')
    .innerJoin('contract as k', 'k.id', 'ob.contract_id')
    .select('k.contractor_id')
    .where('ob.id', '=', obligationId)
    .executeTakeFirst();
  return r?.contractor_id ?? null;
}

/** One obligation with its contract and occurrences (what a delivering program polls). */
export async function obligationDetail(
  db: DB,
  obligationId: string,
  now = new Date(),
): Promise<ObligationDetail | null> {
  if (!UUID.test(obligationId)) return null;
  const row = await db
    .selectFrom('contract_obligation as ob')
    .innerJoin('contract as k', 'k.id', 'ob.contract_id')
    .select(['k.id'])
    .where('ob.id', '=', obligationId)
    .executeTakeFirst();
  if (!row) return null;
  const report = await transparencyReport(db, { contractId: row.id }, now);
  const k = report.contracts[0];
  const o = k?.obligations.find((x) => x.id === obligationId);
  if (!k || !o) return null;
  return {
    ...o,
    contract: {
      id: k.id,
      reference: k.reference,
      title: k.title,
      publicBody: k.publicBody,
      contractor: k.contractor,
    },
  };
}
