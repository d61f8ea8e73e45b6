/**
 * `Link: <next page>; rel="next"` on a response built by `respondTable`: it makes its own Response, so headers
 * set on the context (the frame's `setNextLink`) would not reach the client.
 */
import type { ApiContext } from '../env.js';
import { nextPageUrl } from '../query/pagination.js';

export function withNextLink(c: ApiContext, res: Response, nextCursor: string | null): Response {
  if (nextCursor !== null) res.headers.set('Link', `<${nextPageUrl(c, nextCursor)}>; rel="next"`);
  return res;
}
