/**
 * What the HTTP port answers before the app has started (the port is bound first, see main.ts) and while it
 * stops: 503 `not-ready` with Retry-After, as problem+json in the request's language.
 */
import { negotiateLanguage, text } from './i18n.js';
import { ApiProblem, problemResponse } from './problem.js';

export function startingResponse(req: Request, state: 'starting' | 'stopping' = 'starting'): Response {
  const problem = new ApiProblem({
    code: 'not-ready',
    detail:
      state === 'starting'
        ? text('清流正在启动，请稍后再试', 'Qingliu is starting; try again shortly')
        : text('清流正在停止', 'Qingliu is stopping'),
    headers: { 'Retry-After': '5' },
  });
  return problemResponse(problem, {
    lang: negotiateLanguage(req.headers.get('accept-language') ?? undefined),
    instance: new URL(req.url).pathname,
  });
}
