/**
 * Credentials never reach a log line, a start-up message or an API answer: service URLs are shown with their
 * password masked, and as a backstop every line the logger writes is scrubbed of the configured secrets (an error
 * message from a library may quote a URL or a header verbatim).
 */

const MASK = '***';

// Query parameters that carry credentials (the catalog refuses them in channel URLs for the same reason).
const CREDENTIAL_PARAMS = /^(access_?token|token|key|secret|sign|signature|password|passwd|api_?key|auth)$/i;

/**
 * A service URL (MQTT_URL, INFLUX_URL, SMTP_URL) for people: `mqtt://qingliu:***@broker:1883`. The user name stays
 * (it says which account is used) unless it stands alone, where it usually is a token; credential-like query
 * parameters are masked. Text that is not a URL is returned as it is.
 */
export function maskUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.password) u.password = MASK;
  else if (u.username) u.username = MASK;
  for (const key of [...u.searchParams.keys()]) if (CREDENTIAL_PARAMS.test(key)) u.searchParams.set(key, MASK);
  // URLSearchParams encodes the mask; keep it readable. And as configured: no "/" the URL parser adds.
  const out = u.toString().replaceAll('%2A%2A%2A', MASK);
  return !url.endsWith('/') && out.endsWith('/') && u.pathname === '/' ? out.slice(0, -1) : out;
}

/** The secret parts of a URL (password, or a lone user name), as written and decoded. */
export function urlSecrets(url: string | undefined): string[] {
  if (!url || !URL.canParse(url)) return [];
  const u = new URL(url);
  const raw = u.password || u.username;
  const out = raw ? [raw, safeDecode(raw)] : [];
  for (const [key, value] of u.searchParams) if (CREDENTIAL_PARAMS.test(key) && value) out.push(value);
  return out;
}

/** `decodeURIComponent`, or the text as it is when it is not valid percent-encoding. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Replaces every occurrence of the secrets in a text (a serialized log line), in their plain and JSON-escaped
 * forms. Secrets shorter than 4 characters are ignored: masking them would garble ordinary words.
 */
export function createScrubber(secrets: readonly (string | undefined)[]): (text: string) => string {
  const forms = [
    ...new Set(
      secrets
        .filter((s): s is string => typeof s === 'string' && s.length >= 4)
        .flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]),
    ),
  ].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const form of forms) if (out.includes(form)) out = out.replaceAll(form, MASK);
    return out;
  };
}
