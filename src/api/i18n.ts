/**
 * Language of user-facing API text (problem titles and details, CSV headers): zh-CN by default, English on request
 * through `Accept-Language`. Machine-readable members (`code`, `type`, parameter names) never change with language.
 */
export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];

/** A text in both languages. A plain string is used as is for both (ids, numbers, quoted input). */
export type Localized = string | { 'zh-CN': string; en: string };

export function text(zh: string, en: string): Localized {
  return { 'zh-CN': zh, en };
}

export function localize(value: Localized, lang: Lang): string {
  return typeof value === 'string' ? value : value[lang];
}

/**
 * Picks zh-CN or en from an Accept-Language header (RFC 9110 §12.5.4), honouring q-values.
 * Anything that names neither language, or no header at all, gets zh-CN.
 */
export function negotiateLanguage(header: string | undefined): Lang {
  if (!header) return 'zh-CN';
  let best: { lang: Lang; q: number } | undefined;
  for (const part of header.split(',')) {
    const [rawTag = '', ...params] = part.trim().split(';');
    const tag = rawTag.trim().toLowerCase();
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0) continue;
    const lang: Lang | undefined = tag === 'zh' || tag.startsWith('zh-') ? 'zh-CN' : tag === 'en' || tag.startsWith('en-') ? 'en' : undefined;
    if (lang && (best === undefined || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'zh-CN';
}
