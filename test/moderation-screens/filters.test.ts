// The queue's filter form over real HTTP: each filter is a labelled select that shows the
// filter in the URL as chosen (a shared link opens on the same filters), "Tous" first except
// for the state, and each select lists its choices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareReferences } from '../contributions/helpers';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';

let t: TestDatabase;
let s: TestServer;
let cookie: string;

beforeAll(async () => {
  t = await createTestDatabase();
  await prepareReferences(t.db);
  s = await startTestServer({ db: t.db, pool: t.pool });
  const u = await createUserWithSession(t.db);
  // Moderators have the second factor on, as the role requires.
  await t.db
    .updateTable('users')
    .set({ totp_enabled_at: new Date(), totp_secret: 'JBSWY3DPEHPK3PXP' })
    .where('id', '=', u.user.id)
    .execute();
  await t.db
    .insertInto('moderator_scope')
    .values({ user_id: u.user.id, kind: 'territory', code: '200046977' })
    .execute();
  cookie = u.cookie;
});
afterAll(async () => {
  await s?.close();
  await t?.close();
});

/** The filter form's selects: label, name, options (value → text) and the selected one. */
function selects(html: string) {
  const form = /<form[^>]*class="filters"[^>]*>([\s\S]*?)<\/form>/.exec(html)?.[1] ?? '';
  return [
    ...form.matchAll(/<label>([^<]*)<select name="([^"]+)"[^>]*>([\s\S]*?)<\/select><\/label>/g),
  ].map(([, label, name, body]) => {
    const options = [
      ...body!.matchAll(/<option value="([^"]*)"( selected="")?>([^<]*)<\/option>/g),
    ];
    return {
      label,
      name,
      first: options[0]?.[3],
      values: options.map((o) => o[1]),
      selected: options.filter((o) => o[2]).map((o) => o[1]),
    };
  });
}

describe('moderation queue filters', () => {
  it('shows every filter as a labelled select holding the value from the URL', async () => {
    const res = await fetch(
      `${s.url}/moderation?state=in_review&kind=observation&commune=69266&theme=energie&orgKind=association&personalData=yes&age=overdue`,
      { headers: { Cookie: cookie } },
    );
    expect(res.status).toBe(200);
    const found = selects(await res.text());
    expect(found.map((f) => [f.label, f.name])).toEqual([
      ['État', 'state'],
      ['Nature', 'kind'],
      ['Commune', 'commune'],
      ['Thème', 'theme'],
      ['Type de contributeur', 'orgKind'],
      ['Données personnelles', 'personalData'],
      ['Âge', 'age'],
    ]);
    expect(found.map((f) => f.selected)).toEqual([
      ['in_review'],
      ['observation'],
      ['69266'],
      ['energie'],
      ['association'],
      ['yes'],
      ['overdue'],
    ]);
    const by = Object.fromEntries(found.map((f) => [f.name, f]));
    // "Tous" leads every filter but the state, which always has one.
    expect(by.state!.values[0]).toBe('waiting');
    expect(by.state!.values).toContain('audit');
    for (const f of found.filter((x) => x.name !== 'state')) expect(f.first, f.name).toBe('Tous');
    expect(by.kind!.values).toEqual(['', 'dataset', 'observation']);
    expect(by.orgKind!.values.slice(0, 2)).toEqual(['', 'individual']);
    expect(by.personalData!.values).toEqual(['', 'yes', 'no']);
    expect(by.age!.values).toEqual(['', 'overdue']);
    expect(by.commune!.values.length).toBeGreaterThan(50);

    // Without filters in the URL: the waiting items, everything else on "Tous".
    const plain = selects(
      await (await fetch(`${s.url}/moderation`, { headers: { Cookie: cookie } })).text(),
    );
    expect(plain.map((f) => f.selected)).toEqual([['waiting'], [''], [''], [''], [''], [''], ['']]);
  });
});
