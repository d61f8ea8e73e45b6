/**
 * Which stations lie upstream or downstream of which, along the river network: a river's own stations by km
 * from its source, and its tributaries (and theirs) joining above. Distances run along the water; travel
 * times use each river's mean flow speed, so a plume seen upstream can be looked for downstream later.
 */

export interface FlowRiver {
  id: string;
  length_km: number;
  flow_speed_kmh: number;
  tributary_of?: string;
  joins_at_km?: number;
}

export interface FlowStation {
  id: string;
  river?: string;
  river_km?: number;
}

export interface FlowLink<S> {
  station: S;
  /** Distance along the water between the two stations. */
  distance_km: number;
  /** Time the water takes over that distance at the rivers' mean flow speeds. */
  travel_hours: number;
  /** Rivers the water passes, in flow order (from the upstream station's river to the downstream one's). */
  rivers: readonly string[];
}

export interface FlowNetwork<S extends FlowStation> {
  /** Stations whose water reaches `station`, nearest first. */
  upstreamOf(station: S): FlowLink<S>[];
  /** Stations that `station`'s water reaches, nearest first. */
  downstreamOf(station: S): FlowLink<S>[];
}

// Sub-metre and sub-minute precision is noise here, and it keeps 0.1 + 0.2 out of API responses.
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function byDistance<S extends FlowStation>(a: FlowLink<S>, b: FlowLink<S>): number {
  return a.distance_km - b.distance_km || a.station.id.localeCompare(b.station.id);
}

/**
 * Builds the network once. Rules: on one river, a station is upstream of another when its km is smaller;
 * a tributary joining at or above a station's km brings all of its stations (and its own tributaries') upstream.
 * Stations without a river position (plant influent, sewer outfalls) take no part.
 */
export function createFlowNetwork<S extends FlowStation>(
  rivers: readonly FlowRiver[],
  stations: readonly S[],
): FlowNetwork<S> {
  const riverById = new Map(rivers.map((r) => [r.id, r]));
  const onRiver = new Map<string, S[]>();
  for (const station of stations) {
    if (station.river === undefined || station.river_km === undefined) continue;
    const list = onRiver.get(station.river) ?? [];
    list.push(station);
    onRiver.set(station.river, list);
  }
  const tributaries = new Map<string, FlowRiver[]>();
  for (const river of rivers) {
    if (river.tributary_of === undefined) continue;
    const list = tributaries.get(river.tributary_of) ?? [];
    list.push(river);
    tributaries.set(river.tributary_of, list);
  }

  /** Everything flowing past km `below` of `riverId` (the whole river when `below` is its mouth). */
  function collect(
    riverId: string,
    below: number,
    wholeRiver: boolean,
    offsetKm: number,
    offsetHours: number,
    out: FlowLink<S>[],
  ): void {
    const river = riverById.get(riverId);
    if (!river) return;
    for (const station of onRiver.get(riverId) ?? []) {
      const km = station.river_km!;
      if (!wholeRiver && km >= below) continue;
      out.push({
        station,
        distance_km: round3(offsetKm + (below - km)),
        travel_hours: round3(offsetHours + (below - km) / river.flow_speed_kmh),
        rivers: [],
      });
    }
    for (const trib of tributaries.get(riverId) ?? []) {
      const junction = trib.joins_at_km!;
      if (!wholeRiver && junction > below) continue;
      const km = below - junction;
      collect(trib.id, trib.length_km, true, offsetKm + km, offsetHours + km / river.flow_speed_kmh, out);
    }
  }

  return {
    upstreamOf(station) {
      if (station.river === undefined || station.river_km === undefined) return [];
      const out: FlowLink<S>[] = [];
      collect(station.river, station.river_km, false, 0, 0, out);
      return out.map((link) => ({ ...link, rivers: riverPath(link.station.river!, station.river!) })).sort(byDistance);
    },

    downstreamOf(station) {
      if (station.river === undefined || station.river_km === undefined) return [];
      const out: FlowLink<S>[] = [];
      let river = riverById.get(station.river);
      let km = station.river_km;
      let offsetKm = 0;
      let offsetHours = 0;
      let first = true;
      const path: string[] = [];
      while (river) {
        path.push(river.id);
        for (const other of onRiver.get(river.id) ?? []) {
          const otherKm = other.river_km!;
          // On the station's own river strictly below it; on a receiving river at or below the junction.
          if (first ? otherKm <= km : otherKm < km) continue;
          out.push({
            station: other,
            distance_km: round3(offsetKm + (otherKm - km)),
            travel_hours: round3(offsetHours + (otherKm - km) / river.flow_speed_kmh),
            rivers: [...path],
          });
        }
        if (river.tributary_of === undefined) break;
        offsetKm += river.length_km - km;
        offsetHours += (river.length_km - km) / river.flow_speed_kmh;
        km = river.joins_at_km!;
        river = riverById.get(river.tributary_of);
        first = false;
      }
      return out.sort(byDistance);
    },
  };

  /** Rivers from `from` down to `to` (to is `from` itself or a river it eventually flows into). */
  function riverPath(from: string, to: string): string[] {
    const path = [from];
    let current = riverById.get(from);
    while (current && current.id !== to && current.tributary_of !== undefined) {
      path.push(current.tributary_of);
      current = riverById.get(current.tributary_of);
    }
    return path;
  }
}
