/**
 * Why a message, or part of one, went to the dead-letter store. The codes are a stable public contract
 * (metrics labels, the dead-letter store, `wq/_dlq/{stationId}`, docs/mqtt.md); the labels are for people.
 */
export const REJECTION_REASONS = {
  invalid_topic: { zh: '主题格式错误', en: 'topic is not wq/{stationId}/data or wq/{stationId}/senml' },
  payload_too_large: { zh: '消息超过大小上限', en: 'payload larger than MAX_PAYLOAD_BYTES' },
  unknown_station: { zh: '站点不在目录中', en: 'station not in the catalog' },
  malformed_json: { zh: 'JSON 格式错误', en: 'payload is not valid JSON' },
  invalid_message: { zh: '消息结构不符合约定', en: 'JSON does not have the expected shape' },
  invalid_timestamp: { zh: '时间戳缺失或无效', en: 'timestamp missing or invalid' },
  future_timestamp: { zh: '时间戳超前过多', en: 'timestamp too far in the future' },
  unknown_parameter: { zh: '未知监测项目', en: 'unknown parameter' },
  parameter_not_at_station: { zh: '该站点未配置此监测项目', en: 'parameter not measured at this station (per the catalog)' },
  duplicate_parameter: { zh: '同一时刻重复的监测项目', en: 'same parameter twice for one timestamp' },
  invalid_value: { zh: '数值不是有限数字', en: 'value is not a finite number' },
  implausible_value: { zh: '数值超出物理可能范围', en: 'value outside the physically possible range' },
  bad_unit: { zh: '单位无法识别或不匹配', en: 'unknown unit, or a unit of another dimension' },
  invalid_flag: { zh: '数据标记无效', en: 'not an HJ 212 data flag (N F M S D C T B)' },
  store_rejected: { zh: '数据库拒收', en: 'the database refused the reading for good (kept here instead)' },
} as const satisfies Record<string, { zh: string; en: string }>;

export type RejectionReason = keyof typeof REJECTION_REASONS;

export const REJECTION_REASON_CODES = Object.keys(REJECTION_REASONS) as RejectionReason[];

/** One problem found in a message: which reason, and a detail naming the field and what was expected. */
export interface Problem {
  reason: RejectionReason;
  detail: string;
}
