// The form fields of the dataset description (wizard) and of the observation form, over
// real HTTP, after a refused submission: each control has its label, is marked invalid
// while it has an error, and points (aria-describedby) at its hint and its error, which
// exist on the page — what a screen reader announces with the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDraft } from '../../app/domain/contributions/contributions.server';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { seedObservationCategories } from '../../app/domain/observations/observations.server';
import { prepareReferences } from './helpers';
import { validFields } from '../observations/helpers';

let t: TestDatabase;
let server: TestServer;
let me: SignedInTestUser;

beforeAll(async () => {
  t = await createTestDatabase();
  await prepareReferences(t.db);
  await seedObservationCategories(t.db);
  server = await startTestServer({ db: t.db, pool: t.pool });
  me = await createUserWithSession(t.db);
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

function post(pathname: string, fields: Record<string, string>) {
  return fetch(`${server.url}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Origin: server.url,
      Cookie: me.cookie,
    },
    body: new URLSearchParams(fields),
  });
}

interface Control {
  tag: string;
  invalid: boolean;
  describedBy: string[];
}

/** The controls with an id, by id, with their accessibility wiring. */
function controls(html: string): Record<string, Control> {
  const out: Record<string, Control> = {};
  for (const [, tag, attrs] of html.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
    const attr = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(attrs!)?.[1];
    const id = attr('id');
    if (!id || attr('type') === 'hidden') continue;
    out[id] = {
      tag: tag!,
      invalid: attr('aria-invalid') === 'true',
      describedBy: attr('aria-describedby')?.split(' ') ?? [],
    };
  }
  return out;
}

/** Every control is labelled and describes itself only with what is on the page. */
function checkWiring(html: string, all: Record<string, Control>) {
  for (const [id, c] of Object.entries(all)) {
    expect(html, `label of ${id}`).toMatch(new RegExp(`<label[^>]*\\sfor="${id}"`));
    for (const ref of c.describedBy) expect(html, `${id} → ${ref}`).toContain(`id="${ref}"`);
  }
}

describe('form fields', () => {
  it('the dataset description: errors and hints announced with their fields', async () => {
    const { id } = await createDraft(t.db, me.user, { kind: 'new_dataset' });
    const res = await post(`/contribuer/${id}`, { intent: 'continue', title: 'Éclairage' });
    expect(res.status).toBe(400);
    const html = await res.text();
    const c = controls(html);
    checkWiring(html, c);
    // A field without error keeps its value and is not marked.
    expect(c['f-title']).toEqual({ tag: 'input', invalid: false, describedBy: [] });
    expect(html).toMatch(/<input id="f-title"[^>]*value="Éclairage"/);
    // A field with a hint and an error: both, hint first.
    expect(c['f-description']).toEqual({
      tag: 'textarea',
      invalid: true,
      describedBy: ['f-description-hint', 'f-description-error'],
    });
    expect(html).toMatch(/<p id="f-description-error" class="field-error">[^<]+<\/p>/);
    expect(c['f-licence']).toEqual({
      tag: 'select',
      invalid: true,
      describedBy: ['f-licence-error'],
    });
    // A field with a hint and no error: the hint alone.
    expect(c['f-keywords']).toMatchObject({ invalid: false, describedBy: ['f-keywords-hint'] });
    expect(c['f-communes']).toMatchObject({
      tag: 'select',
      describedBy: expect.arrayContaining(['f-communes-hint']),
    });
  });

  it('the observation form: a refused point marks both coordinates and names the shared hint', async () => {
    const refused = async (overrides: Record<string, string>) => {
      const res = await post(
        '/observations/nouvelle',
        validFields(overrides) as Record<string, string>,
      );
      expect(res.status).toBe(422);
      const html = await res.text();
      const c = controls(html);
      checkWiring(html, c);
      return { html, c };
    };
    const outside = await refused({ lon: '2.3522', lat: '48.8566' });
    for (const axis of ['f-lon', 'f-lat'])
      expect(outside.c[axis], axis).toEqual({
        tag: 'input',
        invalid: true,
        describedBy: ['coords-hint', 'f-point-error'],
      });
    expect(outside.html).toMatch(
      /<p id="f-point-error" class="field-error">[^<]*Métropole de Lyon[^<]*<\/p>/,
    );
    expect(outside.c['f-category']).toEqual({ tag: 'select', invalid: false, describedBy: [] });
    expect(outside.c['f-description']).toEqual({
      tag: 'textarea',
      invalid: false,
      describedBy: ['f-description-hint'],
    });
    expect(outside.c['f-observedAt']).toMatchObject({
      invalid: false,
      describedBy: ['f-observedAt-hint'],
    });

    // One coordinate wrong: that field alone, with its own error after the shared hint.
    const lat = await refused({ lat: '91' });
    expect(lat.c['f-lat']).toEqual({
      tag: 'input',
      invalid: true,
      describedBy: ['coords-hint', 'f-lat-error'],
    });
    expect(lat.c['f-lon']).toEqual({ tag: 'input', invalid: false, describedBy: ['coords-hint'] });

    const category = await refused({ category: '' });
    expect(category.c['f-category']).toEqual({
      tag: 'select',
      invalid: true,
      describedBy: ['f-category-error'],
    });
  });
});
