/**
 * The sensor simulator's public surface: the model (pure, seeded) and the runners that publish it.
 * `npm start` calls these in-process; `qingliu simulate` is the command-line front end.
 */
export { createSimulator, type Sample, type Simulator, type SimulatorOptions, type TravelInfo, type Flags } from './simulator.js';
export {
  scenarioSchema,
  DEFAULT_SCENARIO,
  CALM_SCENARIO,
  scaleFaults,
  parseIncidentOption,
  parseTimeOfDay,
  type Scenario,
  type ScenarioInput,
  type IncidentSpec,
} from './scenario.js';
export type { SimCatalog, SimStation, SimRiver, SimPlant, RiverPoint, StationKind } from './sim-catalog.js';
export type { Incident } from './incidents.js';
export type { InstrumentEvent, InstrumentEventKind } from './instrument.js';
export type { Values } from './profiles.js';
export { createZone, type Zone } from './zone.js';
export { dataTopic, toPayload, toPayloadObject, toBatches, type StationMessage, type PayloadObject, type Batch } from './message.js';
export {
  connectMqttPublisher,
  mqttPublisher,
  memoryPublisher,
  createInFlightLimiter,
  type Publisher,
  type ConnectedPublisher,
  type MqttPublisherOptions,
  type MemoryPublisher,
} from './publisher.js';
export { backfill, type BackfillOptions, type BackfillProgress, type BackfillResult } from './backfill.js';
export { runRealtime, type RealtimeOptions, type RunResult } from './realtime.js';
export { runAtRate, type RateOptions, type RateResult } from './rate.js';
export { realSleep, manualClock, type Now, type Sleep } from './clock.js';
export { progressBar, createProgressLine } from './progress.js';
