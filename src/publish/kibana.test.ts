import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ndjson as generated } from '../../infra/kibana/generate.ts';
import { type KibanaPeer, kibanaImportPeer, PARTIAL_FAILURE } from '../../test/support/kibana-peer.ts';
import { KIBANA_OBJECTS_FILE } from '../config/publish.ts';
import { REPO_ROOT } from '../config/stack.ts';
import { describeFailure, importKibanaObjects } from './kibana.ts';

// Kibana cannot run here: these tests check the NDJSON against the documented saved-object structure and the
// import request against a local HTTP peer that parses the multipart body. A real Kibana import is not exercised.

const FILE = `${REPO_ROOT}${KIBANA_OBJECTS_FILE}`;
const text = readFileSync(FILE, 'utf8');

interface SavedObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: { name: string; type: string; id: string }[];
  coreMigrationVersion: string;
  typeMigrationVersion: string;
}

const objects = text
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as SavedObject);
const byKey = new Map(objects.map((o) => [`${o.type}/${o.id}`, o]));
const semver = /^\d+\.\d+\.\d+$/;

describe('infra/kibana/bf-dashboard.ndjson', () => {
  it('is what infra/kibana/generate.ts writes', () => {
    expect(text).toBe(generated);
  });

  it('every line is a saved object with type, id, attributes, references and migration versions', () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      expect(typeof o.type, o.id).toBe('string');
      expect(o.id).toMatch(/^[a-z0-9-]+$/);
      expect(o.attributes && typeof o.attributes).toBe('object');
      expect(typeof o.attributes.title).toBe('string');
      expect(Array.isArray(o.references)).toBe(true);
      expect(o.coreMigrationVersion).toMatch(semver);
      expect(o.typeMigrationVersion).toMatch(semver);
    }
    expect(byKey.size).toBe(objects.length); // no duplicate type/id
  });

  it('every object carries the migration versions Kibana 9.2 reaches for its type', () => {
    // Read from Kibana 9.2's source (see infra/kibana/generate.ts): the greatest of each type's legacy
    // migrations, multi-namespace conversion and model versions (virtual 10.<n>.0); core transforms end at 8.8.0.
    const kibana92: Record<string, string> = {
      'index-pattern': '8.0.0',
      lens: '10.1.0',
      dashboard: '10.3.0',
    };
    expect(new Set(objects.map((o) => o.type))).toEqual(new Set(Object.keys(kibana92)));
    for (const o of objects) {
      expect(o.typeMigrationVersion, `${o.type}/${o.id}`).toBe(kibana92[o.type]);
      expect(o.coreMigrationVersion, `${o.type}/${o.id}`).toBe('8.8.0');
    }
  });

  it('every reference resolves to an object in the file', () => {
    for (const o of objects) {
      for (const r of o.references) {
        expect(byKey.has(`${r.type}/${r.id}`), `${o.type}/${o.id} → ${r.type}/${r.id}`).toBe(true);
      }
    }
  });

  it('has data views for bf-breadth and bf-signals on the date field', () => {
    for (const id of ['bf-breadth', 'bf-signals']) {
      const dv = byKey.get(`index-pattern/${id}`);
      expect(dv?.attributes.title).toBe(id);
      expect(dv?.attributes.timeFieldName).toBe('date');
    }
  });

  it('Lens layers are backed by references and name only mapped fields', () => {
    const mapped = (index: string) =>
      Object.keys(
        JSON.parse(readFileSync(`${REPO_ROOT}infra/elasticsearch/${index}.index-template.json`, 'utf8')).body
          .template.mappings.properties,
      );
    const fields = new Map([
      ['bf-breadth', new Set(mapped('bf-breadth'))],
      ['bf-signals', new Set(mapped('bf-signals'))],
    ]);
    for (const o of objects.filter((x) => x.type === 'lens')) {
      const state = o.attributes.state as {
        datasourceStates: {
          formBased: { layers: Record<string, { columns: Record<string, { sourceField?: string }> }> };
        };
        visualization: {
          layers: { layerId: string; layerType: string; annotations?: { timeField: string }[] }[];
        };
      };
      for (const [layerId, layer] of Object.entries(state.datasourceStates.formBased.layers)) {
        const ref = o.references.find((r) => r.name === `indexpattern-datasource-layer-${layerId}`);
        expect(ref, `${o.id} layer ${layerId}`).toBeDefined();
        for (const c of Object.values(layer.columns)) {
          if (c.sourceField && c.sourceField !== '___records___') {
            expect(fields.get(ref!.id)?.has(c.sourceField), `${o.id}: ${c.sourceField} in ${ref!.id}`).toBe(
              true,
            );
          }
        }
      }
      for (const l of state.visualization.layers) {
        if (l.layerType === 'annotations') {
          expect(o.references.some((r) => r.name === `xy-visualization-layer-${l.layerId}`)).toBe(true);
        } else {
          expect(
            state.datasourceStates.formBased.layers[l.layerId],
            `${o.id} vis layer ${l.layerId}`,
          ).toBeDefined();
        }
      }
    }
  });

  it('the dashboard shows the ratio + Zweig EMA with 0.40/0.615 lines, signal markers, AD line and McClellan', () => {
    const dash = objects.find((o) => o.type === 'dashboard')!;
    const panels = JSON.parse(dash.attributes.panelsJSON as string) as {
      panelIndex: string;
      panelRefName: string;
      type: string;
    }[];
    expect(panels.length).toBeGreaterThanOrEqual(4);
    const panelObjects = panels.map((p) => {
      const ref = dash.references.find((r) => r.name === `${p.panelIndex}:${p.panelRefName}`);
      expect(ref, `panel ${p.panelIndex}`).toBeDefined();
      expect(ref!.type).toBe(p.type);
      const target = byKey.get(`${ref!.type}/${ref!.id}`);
      expect(target, `panel ${p.panelIndex} → ${ref!.id}`).toBeDefined();
      return JSON.stringify(target);
    });
    const all = panelObjects.join('\n');
    for (const f of ['"ad_ratio"', '"zweig_ema"', '"ad_line"', '"mcclellan"', '"annotations"'])
      expect(all).toContain(f);
    expect(all).toContain('"value":"0.4"');
    expect(all).toContain('"value":"0.615"');
    JSON.parse((dash.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON);
    JSON.parse(dash.attributes.optionsJSON as string);
  });
});

describe('importKibanaObjects', () => {
  let peer: KibanaPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  it('posts the NDJSON as multipart field `file` with kbn-xsrf and overwrite=true', async () => {
    peer = await kibanaImportPeer(() => ({
      status: 200,
      body: {
        success: true,
        successCount: objects.length,
        successResults: objects.map((o) => ({ type: o.type, id: o.id })),
      },
    }));
    const res = await importKibanaObjects(peer.url, FILE);
    expect(res.successCount).toBe(objects.length);
    expect(res.imported).toContain('dashboard/bf-dashboard');
    expect(res.failures).toEqual([]);
    const r = peer.got[0]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/api/saved_objects/_import?overwrite=true');
    expect(r.headers['kbn-xsrf']).toBeTruthy();
    expect(r.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(r.parts).toHaveLength(1);
    expect(r.parts[0]).toMatchObject({ name: 'file', filename: 'bf-dashboard.ndjson', body: text });
  });

  it("returns each object Kibana refused with Kibana's reason (HTTP 200, success: false)", async () => {
    peer = await kibanaImportPeer(() => ({ status: 200, body: PARTIAL_FAILURE }));
    const res = await importKibanaObjects(peer.url, FILE);
    expect(res.successCount).toBe(5);
    expect(res.failures.map(describeFailure)).toEqual([
      'lens/bf-lens-zweig ("bf — breadth ratio and Zweig EMA10"): missing_references (index-pattern/bf-signals)',
      'dashboard/bf-dashboard ("bf — market breadth thrusts"): unknown: Document "bf-dashboard" of type \'dashboard\' belongs to a more recent version of Kibana [10.4.0] when the last known version is [10.3.0].',
    ]);
  });

  it('a file Kibana rejects as a whole (Boom 400) throws with its message', async () => {
    peer = await kibanaImportPeer(() => ({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'Unexpected token in JSON at line 3' },
    }));
    await expect(importKibanaObjects(peer.url, FILE)).rejects.toThrow(
      'kibana refused the import of bf-dashboard.ndjson (HTTP 400): Unexpected token in JSON at line 3',
    );
  });

  it('an unreachable Kibana is a BfError naming it', async () => {
    await expect(importKibanaObjects('http://127.0.0.1:1', FILE, { timeoutMs: 2000 })).rejects.toThrow(
      'kibana at http://127.0.0.1:1 unreachable',
    );
  });
});
