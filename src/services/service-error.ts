/**
 * What a query service throws when the question itself cannot be answered as asked (a parameter the station
 * does not measure, a station kind with no standard, too many windows). The routes turn it into a 400/404
 * problem naming the offending input; services stay free of HTTP.
 */
export type ServiceErrorCode = 'parameter_not_measured' | 'not_evaluable' | 'too_many_windows' | 'invalid_value';

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    readonly messageZh: string,
    messageEn: string,
    /** The request input at fault (a query parameter name), when there is one. */
    readonly field?: string,
  ) {
    super(messageEn);
    this.name = 'ServiceError';
  }
}
