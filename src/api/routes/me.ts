/**
 * `GET /api/v1/me`: who this key is and what it may do — lets a script or the dashboard check its key. Also the
 * smallest example of a route module: a schema, `problemResponses`, a handler that asks the access policy.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { PERMISSIONS, can, type Permission } from '../auth/access-policy.js';
import { ROLES } from '../auth/principal.js';
import { principalOf, type ApiApp } from '../env.js';
import { problemResponses } from '../problem.js';

const MeSchema = z
  .object({
    keyId: z.string().openapi({ example: 'k3f9a2c1' }),
    name: z.string().openapi({ example: '第一污水处理厂运维' }),
    role: z.enum(ROLES),
    plants: z.array(z.string()).openapi({ description: 'Plants an operator key is scoped to (empty for other roles)' }),
    permissions: z.array(z.string()).openapi({ example: ['stations:read', 'alerts:read', 'alerts:acknowledge'] }),
  })
  .openapi('Me');

export const meRoute = createRoute({
  method: 'get',
  path: '/me',
  tags: ['auth'],
  summary: 'The calling API key: its role, plants and permissions',
  responses: {
    200: { description: 'The caller', content: { 'application/json': { schema: MeSchema } } },
    ...problemResponses(401, 429),
  },
});

export function register(app: ApiApp): void {
  app.openapi(meRoute, (c) => {
    const p = principalOf(c);
    const permissions = (Object.keys(PERMISSIONS) as Permission[]).filter((perm) => can(p, perm));
    return c.json({ keyId: p.keyId, name: p.name, role: p.role, plants: [...p.plants], permissions }, 200);
  });
}
