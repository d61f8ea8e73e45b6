/** Station ids as the catalog defines them: an MQTT topic level and a URL segment, so lowercase and safe. */
import { z } from '@hono/zod-openapi';
import { bilingualIssue } from '../validation.js';

export const STATION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export const stationIdSchema = z
  .string()
  .superRefine((id, ctx) => {
    if (!STATION_ID_PATTERN.test(id)) {
      bilingualIssue(ctx, {
        reason: 'invalid_format',
        zh: `站点编号 "${id.slice(0, 80)}" 格式无效：应为 2–63 个小写字母、数字或连字符，以字母或数字开头`,
        en: `station id "${id.slice(0, 80)}" is malformed: expected 2–63 lowercase letters, digits or hyphens, starting with a letter or digit`,
      });
    }
  })
  .openapi({ pattern: STATION_ID_PATTERN.source, example: 'cj-outbound', description: 'Station id (catalog `id`)' });

/** Path parameters `{id}` of `/stations/{id}/…` routes. */
export const stationIdParams = z.object({
  id: stationIdSchema.openapi({ param: { name: 'id', in: 'path' } }),
});
