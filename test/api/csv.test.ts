import { describe, expect, it } from 'vitest';
import { contentDisposition, csvCell, toCsv } from '../../src/api/csv.js';
import { fixtureRoutes } from './fixture-routes.js';
import { createTestApp } from './test-app.js';

const BOM = '\uFEFF';

describe('CSV encoding (RFC 4180, UTF-8 with BOM)', () => {
  it('quotes commas, quotes, line breaks and edge spaces; leaves plain cells bare', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r\nlf')).toBe('"cr\r\nlf"');
    expect(csvCell(' padded ')).toBe('" padded "');
    expect(csvCell('')).toBe('');
  });

  it('writes numbers as numbers (negative ones too), empties for null/NaN, ISO for dates', () => {
    expect(csvCell(-0.25)).toBe('-0.25');
    expect(csvCell(1e-7)).toBe('1e-7');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(new Date(Date.UTC(2024, 4, 1)))).toBe('2024-05-01T00:00:00.000Z');
  });

  it('neutralises text that Excel would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('also when blanks or a line break come first, or the sign is fullwidth (as a Chinese IME types it)', () => {
    expect(csvCell(' =1+1')).toBe("' =1+1");
    expect(csvCell('\n=1+1')).toBe(`"'\n=1+1"`);
    expect(csvCell('\r\n@SUM(A1)')).toBe(`"'\r\n@SUM(A1)"`);
    expect(csvCell('\t-2')).toBe(`'\t-2`);
    expect(csvCell('\u3000+1')).toBe(`'\u3000+1`);
    for (const sign of ['＝', '＋', '－', '＠']) expect(csvCell(`${sign}1+1`)).toBe(`'${sign}1+1`);
    expect(csvCell('  ＝HYPERLINK("x")')).toBe(`"'  ＝HYPERLINK(""x"")"`);
    // Text that merely contains a sign, or a line break that is not leading, is left alone.
    expect(csvCell('pH 6–9, =limit')).toBe('"pH 6–9, =limit"');
    expect(csvCell('a\n=b')).toBe('"a\n=b"');
    expect(csvCell('Ⅲ类')).toBe('Ⅲ类');
  });

  it('keeps Chinese text intact, starts with a BOM and ends lines with CRLF', () => {
    const csv = toCsv(
      [{ name: '第一污水处理厂，出水', cls: 'Ⅲ', v: 0.5 }],
      [
        { key: 'name', label: { 'zh-CN': '站点', en: 'Station' } },
        { key: 'cls', label: { 'zh-CN': '水质类别', en: 'Class' } },
        { key: 'v' },
      ],
      { lang: 'zh-CN' },
    );
    // The full-width comma (，) is text, not a separator: no quoting needed.
    expect(csv).toBe(`${BOM}站点,水质类别,v\r\n第一污水处理厂，出水,Ⅲ,0.5\r\n`);
    const bytes = Buffer.from(csv, 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(toCsv([], [{ key: 'a', label: { 'zh-CN': '甲', en: 'A' } }], { lang: 'en', bom: false })).toBe('A\r\n');
  });

  it('Content-Disposition carries an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('站点列表.csv')).toBe(
      `attachment; filename="____.csv"; filename*=UTF-8''%E7%AB%99%E7%82%B9%E5%88%97%E8%A1%A8.csv`,
    );
    expect(contentDisposition('a"b.csv')).toBe(`attachment; filename="a_b.csv"; filename*=UTF-8''a%22b.csv`);
  });
});

describe('JSON or CSV from the same rows', () => {
  const t = createTestApp({ routes: [fixtureRoutes({ now: () => Date.parse('2024-06-15T04:00:00Z') })] });
  const url = '/api/v1/stations/cj-outbound/series?from=2024-06-01&to=2024-06-02&params=nh3n,tp';

  it('?format=csv answers text/csv with BOM, attachment and Chinese headers and cells', async () => {
    const res = await t.request(`${url}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain('cj-outbound-series.csv');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    expect(text).toBe(
      `${BOM}时间,站点,parameter,value\r\n2024-05-31T16:00:00.000Z,长江口出境断面,nh3n,0.5\r\n2024-05-31T16:00:00.000Z,长江口出境断面,tp,1.5\r\n`,
    );
  });

  it('Accept: text/csv also gives CSV, with English headers for Accept-Language: en', async () => {
    const res = await t.request(url, { headers: { accept: 'text/csv', 'accept-language': 'en' } });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    // Response.text() drops the BOM when decoding, so the first line starts with the header itself.
    expect((await res.text()).split('\r\n')[0]).toBe('Time,Station,parameter,value');
  });

  it('JSON by default, when JSON is preferred, and when ?format=json overrides Accept', async () => {
    for (const headers of [{}, { accept: 'application/json, text/csv;q=0.5' }, { accept: '*/*' }] as Array<
      Record<string, string>
    >) {
      const res = await t.request(url, { headers });
      expect(res.headers.get('content-type')).toBe('application/json');
    }
    const res = await t.request(`${url}&format=json`, { headers: { accept: 'text/csv' } });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ items: [{ parameter: 'nh3n' }, { parameter: 'tp' }] });
  });

  it('an unknown format is a 400 naming the parameter', async () => {
    const res = await t.request(`${url}&format=xlsx`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ in: 'query', name: 'format' }] });
  });

  it('a Chinese file name goes in filename*', async () => {
    const res = await t.request('/api/v1/stations?format=csv');
    expect(res.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('站点列表.csv')}`);
    expect(await res.text()).toContain('长江口出境断面');
  });
});
