/** Who is calling: the API key's identity and role, as the auth middleware puts it on the request. */
import { z } from 'zod';

export const ROLES = ['admin', 'bureau', 'operator', 'viewer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** Plant ids follow the catalog's id rule (they appear in MQTT topics and URLs). */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export interface Principal {
  /** The key's id (safe to log; never the key itself). */
  keyId: string;
  name: string;
  role: Role;
  /** For operators: the plants whose stations and data they see. Empty for other roles. */
  plants: readonly string[];
  /** Overrides the default per-key rate limit. */
  rateLimitPerMinute?: number;
}

export const ROLE_DESCRIPTIONS: Record<Role, { zh: string; en: string }> = {
  admin: { zh: '管理员：全部权限', en: 'administrator: everything' },
  bureau: { zh: '生态环境局：查看全部数据，确认告警', en: 'bureau: reads everything, acknowledges alerts' },
  operator: { zh: '运营单位：仅本厂站点', en: 'operator: only the stations of its plants' },
  viewer: { zh: '公众/共享：仅公开站点', en: 'viewer: public stations only' },
};
