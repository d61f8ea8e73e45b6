/**
 * Channel URLs are secrets: Slack-style webhooks carry their token in the path (`/services/T…/B…/<token>`),
 * DingTalk, WeCom and Feishu robots in the query string or the path (`?access_token=…`, `?key=…`,
 * `/hook/<uuid>`). Logs, `notifications[].last_error` and anything else an operator key can read show only the
 * scheme and host (docs/security.md, "A curious operator"). Receivers sometimes echo the URL or its token in
 * their error reply ("Cannot POST /services/…"), so replies are scrubbed too.
 */
import { safeDecode } from '../../secrets.js';

/** `https://host/…`: the origin, and an ellipsis where a path or a query string was. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const hidden = (u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '';
    return `${u.origin}${hidden ? '/…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Parts of a URL long enough to be a token; shorter ones ("hook", "send") would only garble the text. */
const MIN_SECRET_LENGTH = 6;

/** Every spelling of the secret parts of `url` that could appear in a text, longest first. */
function secretParts(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [url];
  }
  const parts = new Set<string>([url, `${u.origin}${u.pathname}`, `${u.pathname}${u.search}`, u.pathname, u.search]);
  for (const segment of u.pathname.split('/')) {
    parts.add(segment);
    parts.add(safeDecode(segment));
  }
  for (const [key, value] of u.searchParams) {
    parts.add(value);
    parts.add(encodeURIComponent(value));
    parts.add(`${key}=${value}`);
  }
  return [...parts].filter((p) => p.length >= MIN_SECRET_LENGTH && p !== u.origin).sort((a, b) => b.length - a.length);
}

/** `text` (an error message, a receiver's reply) without the path, query or tokens of `url`. */
export function scrubUrl(text: string, url: string): string {
  let out = text;
  for (const part of secretParts(url)) out = out.split(part).join(part === url ? redactUrl(url) : '…');
  return redactUrlsIn(out);
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>()\]]+/gi;

/** Any http(s) URL in `text` reduced to its origin: the safety net for messages whose URL we do not know. */
export function redactUrlsIn(text: string): string {
  return text.replace(
    URL_IN_TEXT,
    (url) => redactUrl(url.replace(/[.,;:!?]+$/, '')) + (/[.,;:!?]+$/.exec(url)?.[0] ?? ''),
  );
}
