/**
 * The gateway's DeviceDirectory, built from the catalog's `hj212` blocks and the secrets their variables hold.
 * Built once at start-up: a named variable that is unset stops start-up with a CatalogError naming the catalog
 * file, the field and the variable.
 */
import { CatalogError } from '../../catalog/catalog-error.js';
import type { Catalog } from '../../catalog/catalog.js';
import { resolveLoggerSecrets, type Env } from '../../catalog/logger-secrets.js';
import type { DeviceDirectory, Hj212Device } from './contracts.js';

export interface CatalogDevices extends DeviceDirectory {
  /** Every registered logger, in catalog order. */
  readonly devices: readonly Hj212Device[];
  byStation(stationId: string): Hj212Device | undefined;
}

export function createCatalogDevices(catalog: Catalog, env: Env): CatalogDevices {
  const { secrets, issues } = resolveLoggerSecrets(catalog, env);
  if (issues.length > 0) throw new CatalogError(catalog.file, issues);
  const devices: Hj212Device[] = [];
  for (const station of catalog.stations) {
    const hj212 = station.hj212;
    if (!hj212) continue;
    const secret = secrets.get(station.id) ?? {};
    devices.push(
      Object.freeze({
        mn: hj212.mn,
        stationId: station.id,
        protocol: hj212.protocol,
        ...(secret.password === undefined ? {} : { password: secret.password }),
        ...(secret.sm4Key === undefined ? {} : { sm4Key: secret.sm4Key }),
        // Codes are lower case in the standard's tables; a catalog may write W21003.
        units: Object.freeze(
          Object.fromEntries(Object.entries(hj212.units).map(([code, unit]) => [code.toLowerCase(), unit])),
        ),
        record: hj212.record,
      }),
    );
  }
  const byMn = new Map(devices.map((d) => [d.mn, d]));
  const byStation = new Map(devices.map((d) => [d.stationId, d]));
  return {
    devices,
    byMn: (mn) => byMn.get(mn),
    byStation: (id) => byStation.get(id),
  };
}
