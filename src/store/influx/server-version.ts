/**
 * Which InfluxDB generation answers, from its /ping response. 1.x sends `X-Influxdb-Version: 1.6.7~rc0`,
 * 2.x `v2.7.11` (with a leading "v"), 3.x `3.0.1` (and a JSON body with a `version`). The generation decides
 * the write endpoint and authentication; queries are InfluxQL on /query for all three (docs/adr/0002).
 */
export type InfluxGeneration = '1' | '2' | '3';

export function generationOf(version: string | undefined): InfluxGeneration | undefined {
  const major = /^v?(\d+)\./.exec(version?.trim() ?? '')?.[1];
  return major === '1' || major === '2' || major === '3' ? major : undefined;
}

/** The version string a /ping response names, from its header or (3.x) its JSON body. */
export function versionFromPing(headers: Record<string, unknown>, body: unknown): string | undefined {
  const header = headers['x-influxdb-version'];
  if (typeof header === 'string' && header !== '') return header;
  if (Array.isArray(header) && typeof header[0] === 'string') return header[0];
  if (body && typeof body === 'object' && typeof (body as { version?: unknown }).version === 'string') {
    return (body as { version: string }).version;
  }
  return undefined;
}
