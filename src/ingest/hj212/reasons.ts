/**
 * Why an HJ 212 packet, or part of one, became a dead letter. Stable codes: the `reason` of the dead letter and the
 * label of `qingliu_hj212_rejected_total{reason}` (docs/hj212.md lists them). Reasons shared with MQTT
 * (unknown_parameter, invalid_value, invalid_flag, bad_unit, implausible_value, invalid_timestamp,
 * future_timestamp) keep the MQTT codes of src/ingest/rejection.ts.
 */
import { REJECTION_REASONS } from '../rejection.js';

export const HJ212_REASONS = {
  garbage: { zh: '无法成帧的字节', en: 'bytes that are not an HJ 212 packet (skipped to the next ##)' },
  bad_length_field: { zh: '包头长度字段不是四位数字', en: 'the length after ## is not four digits' },
  frame_too_large: { zh: '数据包超过大小上限', en: 'packet larger than the size limit' },
  truncated: { zh: '连接关闭时数据包不完整', en: 'connection closed in the middle of a packet' },
  crc_mismatch: { zh: 'CRC 校验错误', en: 'CRC16 does not match the data segment' },
  length_mismatch: { zh: '数据段长度与包头不符', en: 'data segment length differs from the length field' },
  malformed_segment: { zh: '数据段格式错误', en: 'data segment fields (QN ST CN PW MN Flag CP) malformed' },
  encrypted_no_key: { zh: '加密数据但未配置密钥', en: 'encrypted CP area, but no SM4 key configured for the MN' },
  unknown_device: { zh: '设备编码 MN 未登记', en: 'MN not registered in the catalog' },
  wrong_password: { zh: '访问密码错误', en: 'wrong access password PW' },
  duplicate_connection: {
    zh: '该 MN 已在另一连接上活动',
    en: 'the MN is live on another connection (a second logger with the same MN?)',
  },
  unknown_system: { zh: '未知系统编码 ST', en: 'unknown system code ST' },
  unknown_command: { zh: '未知命令编码 CN', en: 'unknown command code CN' },
  unsupported_command: { zh: '不支持的命令', en: 'command Qingliu does not handle (kept and counted)' },
  malformed_cp: { zh: '数据区格式错误', en: 'CP data area malformed' },
  split_incomplete: { zh: '拆分包未在时限内收齐', en: 'split packet (PNUM/PNO) not complete in time' },
  unknown_parameter: REJECTION_REASONS.unknown_parameter,
  invalid_value: REJECTION_REASONS.invalid_value,
  invalid_flag: REJECTION_REASONS.invalid_flag,
  bad_unit: REJECTION_REASONS.bad_unit,
  implausible_value: REJECTION_REASONS.implausible_value,
  invalid_timestamp: { zh: '数据时间缺失或无效', en: 'DataTime missing or invalid' },
  future_timestamp: REJECTION_REASONS.future_timestamp,
  store_unavailable: { zh: '暂存失败，未应答', en: 'could not be made durable; not answered, the logger resends' },
} as const satisfies Record<string, { zh: string; en: string }>;

export type Hj212Reason = keyof typeof HJ212_REASONS;

export interface Hj212Problem {
  reason: Hj212Reason;
  detail: string;
}
