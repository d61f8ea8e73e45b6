/**
 * Cursor pagination for long results (raw readings over a long range). The cursor is opaque to clients:
 * base64url of a small versioned JSON object whose shape each route defines with a zod schema. It is not a
 * secret and not signed — a tampered cursor can only select data the caller could ask for anyway, and routes
 * apply the access policy to every page.
 */
import { z } from '@hono/zod-openapi';
import type { ApiContext } from '../env.js';
import { bilingualIssue } from '../validation.js';

const CURSOR_VERSION = 1;

export function encodeCursor(position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, ...position }), 'utf8').toString('base64url');
}

export function decodeCursor<S extends z.ZodType>(cursor: string, schema: S): z.output<S> | undefined {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) return undefined;
  try {
    const json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof json !== 'object' || json === null || (json as { v?: unknown }).v !== CURSOR_VERSION) return undefined;
    const { v: _v, ...position } = json as Record<string, unknown>;
    const parsed = schema.safeParse(position);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The `cursor` query parameter, decoded into the route's position type. */
export function cursorField<S extends z.ZodType>(position: S) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): z.output<S> | undefined => {
      if (raw === undefined || raw === '') return undefined;
      const decoded = decodeCursor(raw, position);
      if (decoded !== undefined) return decoded;
      bilingualIssue(ctx, {
        reason: 'invalid_cursor',
        zh: '游标无效或已过期：请去掉 cursor 参数从第一页重新开始',
        en: 'the cursor is invalid or from an older version: drop the cursor parameter and start from the first page',
      });
      return z.NEVER;
    })
    .openapi({ description: 'Opaque cursor from the previous page\'s `nextCursor`' });
}

export function limitField(options: { default: number; max: number }) {
  return z.coerce
    .number()
    .int()
    .min(1)
    .max(options.max)
    .default(options.default)
    .openapi({ description: `Page size (1–${options.max}, default ${options.default})`, example: options.default });
}

/** `{ items, nextCursor }`: `nextCursor` is null on the last page. */
export function pageSchema<S extends z.ZodType>(item: S) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` to get the next page; null on the last page' }),
  });
}

/** The URL of the next page (this request's URL with `cursor` replaced), for a `Link: <…>; rel="next"` header. */
export function nextPageUrl(c: ApiContext, nextCursor: string): string {
  const url = new URL(c.req.url);
  url.searchParams.set('cursor', nextCursor);
  return `${url.pathname}${url.search}`;
}

/** Sets `Link: <next>; rel="next"` when there is a next page. */
export function setNextLink(c: ApiContext, nextCursor: string | null): void {
  if (nextCursor !== null) c.header('Link', `<${nextPageUrl(c, nextCursor)}>; rel="next"`);
}
