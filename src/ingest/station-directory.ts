import type { ParameterCode } from '../domain/parameters.js';

/**
 * The part of the station catalog ingest needs: which stations exist and what each measures.
 * The catalog (src/catalog/) satisfies it structurally; tests pass a literal.
 */
export interface StationDirectory {
  station(id: string): { id: string; parameters: readonly ParameterCode[] } | undefined;
}

/** A directory over a fixed list, for tests, the benchmark and tools. */
export function stationDirectory(stations: Iterable<{ id: string; parameters: readonly ParameterCode[] }>): StationDirectory {
  const byId = new Map<string, { id: string; parameters: readonly ParameterCode[] }>();
  for (const station of stations) byId.set(station.id, station);
  return { station: (id) => byId.get(id) };
}
