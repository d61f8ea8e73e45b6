/* eslint-disable @typescript-eslint/no-explicit-any -- walking a generated OpenAPI document */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dataTestApp } from './fixture.js';

describe('/openapi.json with every data route registered', () => {
  // The document is generated without touching the store.
  const t = dataTestApp(createSqliteStore({ file: ':memory:', logger: silentLogger() }));

  async function doc(): Promise<Record<string, any>> {
    const res = await t.app.request('/openapi.json');
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, any>;
  }

  it('still validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(await doc());
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('describes every data endpoint, with CSV for the tabular ones and problem+json errors', async () => {
    const document = await doc();
    const paths = document.paths as Record<string, Record<string, any>>;
    const tabular = [
      ['get', '/api/v1/stations'],
      ['get', '/api/v1/stations/{id}/series'],
      ['get', '/api/v1/stations/{id}/quality'],
      ['get', '/api/v1/stations/{id}/upstream'],
      ['get', '/api/v1/compliance'],
      ['get', '/api/v1/dead-letters'],
    ] as const;
    for (const [method, path] of tabular) {
      const op = paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(Object.keys(op.responses[200].content)).toEqual(['application/json', 'text/csv']);
      expect(op.responses[400].content['application/problem+json']).toBeDefined();
    }
    // Which flags an answer used (include=original), stated for CSV too.
    for (const path of ['/api/v1/stations/{id}/quality', '/api/v1/compliance'])
      expect(paths[path]!.get.responses[200].headers['Qingliu-Flags'].schema.enum).toEqual(['effective', 'original']);
    expect(paths['/api/v1/stations/{id}']!.get.responses[404]).toBeDefined();
    const evaluate = paths['/api/v1/evaluate']!.post;
    expect(evaluate.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/EvaluationRequest',
    });
    const schemas = (await doc()).components.schemas;
    // One input (seven shapes), or an array of them.
    expect(schemas.EvaluationRequest.anyOf.map((s: Record<string, unknown>) => s.type)).toContain('array');
    expect(schemas.EvaluationBatch.required).toEqual(['results', 'errors', 'evaluated', 'invalid']);
    expect(evaluate.responses[200].content['application/json'].schema.anyOf).toContainEqual({
      $ref: '#/components/schemas/EvaluationBatch',
    });
    for (const status of ['400', '413', '503']) expect(evaluate.responses[status]).toBeDefined();
  });

  it('documents the query parameters from the validating schemas', async () => {
    const document = await doc();
    const names = (path: string) =>
      (document.paths[path].get.parameters as Array<Record<string, any>>)
        .filter((p) => p.in === 'query')
        .map((p) => p.name)
        .sort();
    expect(names('/api/v1/stations/{id}/series')).toEqual(
      [
        'agg',
        'codes',
        'cursor',
        'format',
        'from',
        'include',
        'limit',
        'max_points',
        'params',
        'to',
        'tz',
        'window',
      ].sort(),
    );
    expect(names('/api/v1/stations/{id}/quality')).toEqual([
      'codes',
      'format',
      'from',
      'include',
      'to',
      'tz',
      'window',
    ]);
    expect(names('/api/v1/compliance')).toEqual(
      [
        'codes',
        'format',
        'from',
        'include',
        'jurisdiction',
        'kind',
        'level',
        'order',
        'plant',
        'river',
        'role',
        'sort',
        'to',
        'tz',
        'window',
      ].sort(),
    );
    expect(names('/api/v1/stations/{id}/upstream')).toEqual(
      ['at', 'codes', 'format', 'hours', 'include', 'params', 'tz', 'window'].sort(),
    );
  });
});
