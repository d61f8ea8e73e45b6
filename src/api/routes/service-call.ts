/**
 * Calls a query service and maps what it throws: a ServiceError (the question cannot be answered as asked) is
 * a 400 naming the parameter at fault; a retryable StoreError (the database is down or busy) a 503 with
 * Retry-After, logged. Anything else stays a logged 500 (errors.ts).
 */
import { ServiceError } from '../../services/service-error.js';
import { isStoreError } from '../../store/store-error.js';
import type { ApiContext } from '../env.js';
import { text } from '../i18n.js';
import { ApiProblem } from '../problem.js';
import { validationProblem } from '../validation.js';

export async function serviceCall<T>(c: ApiContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ServiceError) {
      if (err.field === undefined) {
        throw new ApiProblem({ code: 'bad-request', detail: text(err.messageZh, err.message) });
      }
      throw validationProblem([
        { in: 'query', name: err.field, code: err.code, detail: text(err.messageZh, err.message) },
      ]);
    }
    if (isStoreError(err) && err.retryable) {
      c.get('log').warn({ err }, 'the reading store did not answer');
      // Naming what was tried (credentials masked) tells whoever reads this where to look.
      const where = err.target ? `（${err.target}）` : '';
      const whereEn = err.target ? ` (${err.target})` : '';
      throw new ApiProblem({
        code: 'service-unavailable',
        detail: text(
          `数据库${where}暂时无法访问，请稍后重试`,
          `The database${whereEn} is not reachable at the moment; try again shortly`,
        ),
        headers: { 'Retry-After': '5' },
        ...(err.target && { extensions: { target: err.target } }),
      });
    }
    throw err;
  }
}
