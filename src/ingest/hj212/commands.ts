/**
 * What the gateway does with each command code (HJ 212-2017 Table 9; HJ 212-2025 additions per hj212-2025.md §2).
 */
import type { Hj212Stream } from './contracts.js';

/** Data uploads that carry pollutant values, and the stream each feeds (DataTime = period start for aggregates). */
export const DATA_COMMANDS: Readonly<Record<string, Hj212Stream>> = {
  '2011': 'realtime',
  '2051': 'minute',
  '2061': 'hourly',
  '2031': 'daily',
};

/** Equipment status and standard-sample checks: decoded fields go to `events.status` (sensor health). */
export const STATUS_COMMANDS = new Set(['2021', '3020', '2062', '2041', '2081']);

/** Notices and answers from the logger: heartbeat 9015; 9011/9012 answers to our requests; 9013/9014 answers. */
export const HEARTBEAT = '9015';
export const ANSWER_COMMANDS = new Set(['9011', '9012', '9013', '9014']);
/** 1013: time-calibration request (a notice), answered with 9013 then 1012 with the platform time. */
export const TIME_REQUEST = '1013';

/**
 * Known commands the gateway does not act on: dead-lettered as `unsupported_command` (kept, counted), e.g.
 * 1001/1002 registration, which only the device's primary platform answers (hj212-2025.md §2 row 11).
 */
// prettier-ignore
export const KNOWN_COMMANDS = new Set([
  '1000', '1001', '1002', '1011', '1012', '1014', '1061', '1062', '1063', '1064', '1072',
  '2012', '2013', '2022', '2052', '2111',
  '3011', '3012', '3013', '3014', '3015', '3016', '3017', '3018', '3019', '3021', '3022', '3024',
]);

/** System codes ST (HJ 212-2017 Table 5; 44/45 from HJ 212-2025), 91 = system interaction. */
// prettier-ignore
export const SYSTEM_CODES = new Set([
  '21', '22', '23', '24', '25', '26', '27', '31', '32', '33', '34', '35', '36', '37', '38', '39', '41', '44', '45',
  '51', '52', '91',
]);

/** Answers carry ST=91 (HJ 212-2017 Appendix C). */
export const ST_INTERACTION = '91';
