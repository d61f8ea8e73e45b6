/**
 * The catalog file's JSON Schema, generated from the zod schema, for editor completion and checks
 * (`# yaml-language-server: $schema=./catalog.schema.json` at the top of a catalog). It describes the
 * file's syntax only; references, unique ids and the other cross-checks need `qingliu catalog check`.
 */
import { z } from 'zod';
import { catalogFileSchema } from './schema.js';

export function catalogJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(catalogFileSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return {
    ...schema,
    // Top-level `x-…` keys are ignored by the loader (a place for YAML anchors, as in docker-compose).
    patternProperties: { '^x-': {} },
    $id: 'https://qingliu.example/schemas/catalog.schema.json',
    title: 'Qingliu station catalog (清流站点目录)',
    description:
      'Stations, rivers, plants and responsible units. See sensors/README.md; validate with `qingliu catalog check`.',
  };
}
