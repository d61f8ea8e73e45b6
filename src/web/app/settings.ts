/**
 * What the server told the page about itself (src/web/serve.ts writes it into `<meta name="qingliu-…">`): the time
 * zone every time is shown in (the server's TIMEZONE, which also aligns the API's days and months), whether this is
 * the demo, and how an administrator creates a key here.
 */
export interface ServerSettings {
  timeZone: string;
  demo: boolean;
  keysCommand: string;
}

/** Without the tags (a page served by something else), the defaults of a fresh install. */
export const FALLBACK_SETTINGS: ServerSettings = {
  timeZone: 'Asia/Shanghai',
  demo: false,
  keysCommand: 'qingliu keys add --name NAME --role bureau',
};

export function readSettings(doc: Pick<Document, 'querySelector'>): ServerSettings {
  const meta = (name: string) => doc.querySelector<HTMLMetaElement>(`meta[name="qingliu-${name}"]`)?.content;
  const zone = meta('time-zone');
  return {
    timeZone: zone && isTimeZone(zone) ? zone : FALLBACK_SETTINGS.timeZone,
    demo: meta('demo') === 'on',
    keysCommand: meta('keys-command') || FALLBACK_SETTINGS.keysCommand,
  };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
