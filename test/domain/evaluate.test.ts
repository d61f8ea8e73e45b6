import { describe, expect, it } from 'vitest';
import {
  evaluate,
  EvaluationInputError,
  evaluationRequestSchema,
  surfaceWaterInputSchema,
  type InputIssue,
} from '../../src/domain/evaluate.js';

/** The issues evaluate() reports for an input (fails the test when it does not throw). */
function issuesOf(input: unknown): InputIssue[] {
  try {
    evaluate(input);
  } catch (err) {
    expect(err).toBeInstanceOf(EvaluationInputError);
    return (err as EvaluationInputError).issues;
  }
  throw new Error('expected an EvaluationInputError');
}

describe('surface water (gb3838)', () => {
  it('gives exactly the shape of issue 2 §3 (plus the informative standard, waterbody, grade_en)', () => {
    expect(evaluate({ standard: 'gb3838', waterbody: 'river', target: 'III', readings: { nh3n: 1.2 } })).toEqual({
      standard: 'gb3838',
      waterbody: 'river',
      class: 'IV',
      grade: '轻度污染',
      grade_en: 'slightly polluted',
      compliant: false,
      items: { nh3n: { value: 1.2, class: 'IV', exceedance: 0.2, exceedance_target: 0.2 } },
      primary_pollutants: ['nh3n'],
    });
  });

  it('keeps the specified keys in the JSON text', () => {
    const json = JSON.stringify(evaluate({ standard: 'gb3838', target: 'II', readings: { TP: 0.25 } }));
    for (const key of [
      '"class"',
      '"grade"',
      '"compliant"',
      '"items"',
      '"primary_pollutants"',
      '"exceedance"',
      '"exceedance_target"',
    ]) {
      expect(json).toContain(key);
    }
  });

  it('omits compliant and exceedance_target without a target', () => {
    const r = evaluate({ standard: 'gb3838', readings: { nh3n: 1.2 } }) as unknown as Record<string, unknown>;
    expect(r).not.toHaveProperty('compliant');
    expect(r.items).toEqual({ nh3n: { value: 1.2, class: 'IV', exceedance: 0.2 } });
  });

  it('defaults to a river', () => {
    expect(evaluate({ standard: 'gb3838', readings: { tp: 0.064 } })).toMatchObject({
      waterbody: 'river',
      class: 'II',
    });
    expect(evaluate({ standard: 'gb3838', waterbody: 'lake', readings: { tp: 0.064 } })).toMatchObject({
      waterbody: 'lake',
      class: 'IV',
    });
  });

  it('gives class null and grade null when no evaluation item is given', () => {
    expect(evaluate({ standard: 'gb3838', target: 'III', readings: { temp: 20, conductivity: 400 } })).toMatchObject({
      class: null,
      grade: null,
      compliant: null,
      primary_pollutants: [],
      ignored: ['conductivity'],
    });
  });

  it.each([['pH'], ['PH'], ['ph'], ['w01001']])('accepts the pH spelling %s', (name) => {
    expect(evaluate({ standard: 'gb3838', readings: { [name]: 9.5 } })).toMatchObject({
      items: { ph: { class: '劣V' } },
    });
  });

  it.each([['nh3n'], ['NH3N'], ['NH3-N'], ['nh3-n'], ['w21003'], ['氨氮'], ['Ammonia Nitrogen']])(
    'accepts the NH3-N spelling %s',
    (name) => {
      expect(evaluate({ standard: 'gb3838', readings: { [name]: 1.2 } })).toMatchObject({
        class: 'IV',
        items: { nh3n: { value: 1.2 } },
      });
    },
  );

  it('accepts DO, CODMn, TP, TN, COD, BOD5 short forms and HJ 212 codes', () => {
    const r = evaluate({
      standard: 'gb3838',
      waterbody: 'lake',
      readings: { DO: 6, CODMn: 3, TP: 0.02, TN: 0.4, COD: 14, BOD5: 2, w20111: 0.00004, 'Cr6+': 0.01, Fluoride: 0.5 },
    }) as { items: Record<string, unknown> };
    expect(Object.keys(r.items)).toEqual(['do', 'codmn', 'cod', 'bod5', 'tp', 'tn', 'f', 'hg', 'cr6']);
  });

  it('accepts the Chinese names used in reports and HJ 212 code tables', () => {
    const r = evaluate({
      standard: 'gb3838',
      readings: { pH值: 7, 六价铬: 0.01, 总汞: 0.00001, 高锰酸盐指数: 3, 溶解氧: 8 },
    }) as unknown as {
      items: Record<string, unknown>;
    };
    expect(Object.keys(r.items)).toEqual(['ph', 'do', 'codmn', 'hg', 'cr6']);
  });

  it('converts units given with a reading', () => {
    const r = evaluate({ standard: 'gb3838', readings: { hg: { value: 0.2, unit: 'µg/L' }, nh3n: { value: 1.2 } } });
    expect(r).toMatchObject({ items: { hg: { value: 0.0002, class: 'IV' }, nh3n: { value: 1.2 } } });
  });

  it('treats null as not measured', () => {
    expect(evaluate({ standard: 'gb3838', readings: { nh3n: null, codmn: 3 } })).toMatchObject({
      class: 'II',
      items: { codmn: {} },
    });
  });

  it('applies the 2020 rounding option', () => {
    expect(evaluate({ standard: 'gb3838', rounding: '2020', readings: { ph: 9.4 } })).toMatchObject({
      class: 'I',
      items: { ph: { value: 9, measured: 9.4 } },
    });
    expect(evaluate({ standard: 'gb3838', rounding: 'none', readings: { ph: 9.4 } })).toMatchObject({ class: '劣V' });
  });

  it('evaluates a river from several sections', () => {
    const r = evaluate({
      standard: 'gb3838',
      waterbody: 'river',
      sections: [
        { id: 'a', readings: { NH3N: 0.4 } },
        { id: 'b', readings: { 'NH3-N': 2.0 } },
      ],
    });
    expect(r).toMatchObject({ standard: 'gb3838', method: 'section-mean', class: 'IV', sections_evaluated: 2 });
  });
});

describe('effluent (gb18918-*, custom)', () => {
  it('gives exactly the shape of issue 2 §3', () => {
    expect(
      evaluate({ standard: 'gb18918-1a', water_temp_c: 10, plant_built: '2008-05-01', readings: { nh3n: 10 } }),
    ).toEqual({
      standard: 'gb18918-1a',
      compliant: false,
      items: { nh3n: { limit: 8, compliant: false, exceedance: 0.25, value: 10 } },
    });
  });

  it('uses the temp reading when water_temp_c is not given', () => {
    expect(evaluate({ standard: 'gb18918-1a', readings: { nh3n: 7, temp: 11 } })).toMatchObject({
      compliant: true,
      items: { nh3n: { limit: 8 } },
    });
    expect(evaluate({ standard: 'gb18918-1a', water_temp_c: 20, readings: { nh3n: 7, temp: 11 } })).toMatchObject({
      compliant: false,
      items: { nh3n: { limit: 5 } },
    });
  });

  it.each(['gb18918-1a', 'gb18918-1b', 'gb18918-2', 'gb18918-3'])('accepts %s', (standard) => {
    expect(evaluate({ standard, water_temp_c: 20, plant_built: '2010-01-01', readings: { cod: 40 } })).toMatchObject({
      standard,
      compliant: true,
    });
  });

  it('adds the notes for an unknown temperature and construction date', () => {
    const r = evaluate({ standard: 'gb18918-1b', readings: { nh3n: 7, tp: 0.9 } }) as { notes: string[] };
    expect(r.notes).toHaveLength(2);
  });

  it('evaluates a custom standard declared like the catalog does', () => {
    const r = evaluate({
      standard: 'custom',
      definition: {
        name: { zh: '准IV类', en: 'quasi-class IV' },
        base: 'gb18918-1a',
        limits: { cod: 30, bod5: 6, nh3n: 1.5, tp: 0.3 },
      },
      water_temp_c: 18,
      readings: { COD: 32, TN: 12 },
    });
    expect(r).toEqual({
      standard: 'custom',
      standard_name: { zh: '准IV类', en: 'quasi-class IV' },
      compliant: false,
      items: {
        cod: { value: 32, limit: 30, compliant: false, exceedance: 0.07 },
        tn: { value: 12, limit: 15, compliant: true, exceedance: 0 },
      },
    });
  });
});

describe('black-odorous', () => {
  it('grades one sample (the issue example)', () => {
    expect(
      evaluate({ standard: 'black-odorous', readings: { transparency: 15, do: 1.0, orp: -100, nh3n: 10, depth: 80 } }),
    ).toMatchObject({
      standard: 'black-odorous',
      scope: 'sample',
      grade: 'light',
      items: {
        transparency: { level: 'light' },
        do: { level: 'light' },
        orp: { level: 'light' },
        nh3n: { level: 'light' },
      },
    });
  });

  it('applies the shallow-water rule through depth', () => {
    expect(evaluate({ standard: 'black-odorous', readings: { transparency: 9, depth: 20 } })).toMatchObject({
      grade: 'light',
    });
    expect(evaluate({ standard: 'black-odorous', readings: { transparency: 9 } })).toMatchObject({ grade: 'severe' });
    expect(
      evaluate({ standard: 'black-odorous', readings: { transparency: 9, depth: { value: 0.2, unit: 'm' } } }),
    ).toMatchObject({ grade: 'light' });
  });

  it('grades a point from samples written as {readings} or bare', () => {
    const r = evaluate({
      standard: 'black-odorous',
      samples: [{ readings: { do: 0.1 } }, { do: 0.1 }, { readings: { do: 3 }, time: '2024-05-01T08:00:00+08:00' }],
    });
    expect(r).toMatchObject({
      scope: 'point',
      grade: 'severe',
      samples: 3,
      items: { do: { severe_fraction: 0.6667 } },
    });
  });

  it('grades a water body with severe reaches', () => {
    const r = evaluate({
      standard: 'black-odorous',
      points: [
        { grade: 'light' },
        { grade: 'severe' },
        { samples: [{ do: 0.1 }, { do: 0.1 }, { do: 0.1 }] },
        { grade: 'severe' },
        { grade: 'none' },
      ],
    });
    expect(r).toMatchObject({ scope: 'water_body', grade: 'severe', severe_reaches: [[2, 4]], severe_points: 3 });
  });

  it('lists parameters that are not grading indicators as ignored', () => {
    expect(evaluate({ standard: 'black-odorous', readings: { do: 3, temp: 20 } })).toMatchObject({
      grade: 'none',
      ignored: ['temp'],
    });
  });
});

describe('arrays', () => {
  it('evaluates each element in order', () => {
    const r = evaluate([
      { standard: 'gb3838', readings: { codmn: 3 } },
      { standard: 'gb18918-2', water_temp_c: 20, readings: { cod: 120 } },
      { standard: 'black-odorous', readings: { do: 0.1 } },
    ]) as { standard: string }[];
    expect(r.map((x) => x.standard)).toEqual(['gb3838', 'gb18918-2', 'black-odorous']);
  });

  it('returns an empty array for an empty array', () => {
    expect(evaluate([])).toEqual([]);
  });

  it('reports the problems of every element with its index', () => {
    const issues = issuesOf([
      { standard: 'gb3838', readings: { ph: 7 } },
      { standard: 'gb3838', readings: { xyz: 1 } },
      7,
      { standard: 'iso' },
    ]);
    expect(issues.map((i) => i.path)).toEqual(['[1].readings.xyz', '[2]', '[3].standard']);
  });
});

describe('invalid input', () => {
  it('names unknown parameters', () => {
    const issues = issuesOf({ standard: 'gb3838', readings: { foo: 1, nh3n: 1, bar: 2 } });
    expect(issues).toEqual([
      { path: 'readings.foo', message: '未知参数 "foo" / unknown parameter "foo"' },
      { path: 'readings.bar', message: '未知参数 "bar" / unknown parameter "bar"' },
    ]);
  });

  it('reports every problem at once, with paths', () => {
    const issues = issuesOf({
      standard: 'gb3838',
      waterbody: 'sea',
      target: 'VI',
      rounding: 'always',
      colour: 'blue',
      readings: {
        ph: 'seven',
        foo: 1,
        NH3N: 1,
        'NH3-N': 2,
        hg: { value: 0.1, unit: 'furlong' },
        do: -3,
        tp: Number.NaN,
      },
    });
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        '',
        'readings.NH3-N',
        'readings.do',
        'readings.foo',
        'readings.hg',
        'readings.ph',
        'readings.tp',
        'rounding',
        'target',
        'waterbody',
      ].sort(),
    );
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['readings.NH3-N']).toMatch(/same parameter as "NH3N"/);
    expect(byPath['readings.hg']).toMatch(/unknown unit "furlong"/);
    expect(byPath['readings.do']).toMatch(/is physically impossible \(possible range 0–70 mg\/L\)/);
    expect(byPath['']).toMatch(/colour/);
    // zod's messages come in Chinese first, then English
    expect(byPath.target).toMatch(/^无效选项.* \/ Invalid option/);
  });

  it('requires a known standard', () => {
    expect(issuesOf({ readings: {} })).toEqual([
      { path: 'standard', message: expect.stringMatching(/must be one of gb3838, gb18918-1a/) },
    ]);
    expect(issuesOf({ standard: 'gb3838-2002', readings: {} })[0]!.message).toMatch(/got "gb3838-2002"/);
  });

  it('requires an object', () => {
    expect(issuesOf('hello')).toEqual([{ path: '', message: '应为 JSON 对象 / must be a JSON object' }]);
    expect(issuesOf(null)).toHaveLength(1);
  });

  it('requires readings', () => {
    expect(issuesOf({ standard: 'gb3838' }).map((i) => i.path)).toEqual(['readings']);
  });

  it('checks effluent conditions', () => {
    const issues = issuesOf({ standard: 'gb18918-1a', water_temp_c: 120, plant_built: '2006-02-30', readings: {} });
    expect(issues.map((i) => i.path).sort()).toEqual(['plant_built', 'water_temp_c']);
    expect(issuesOf({ standard: 'gb18918-1a', plant_built: '1/1/2006', readings: {} })[0]!.message).toMatch(
      /YYYY-MM-DD/,
    );
  });

  it('does not accept a target for effluent', () => {
    expect(issuesOf({ standard: 'gb18918-1a', target: 'III', readings: {} })[0]!.message).toMatch(/target/);
  });

  it('checks custom definitions, naming unknown limit parameters', () => {
    const issues = issuesOf({
      standard: 'custom',
      definition: { name: { zh: 'x', en: 'x' }, limits: { cod: 30, zzz: 1, tp: -1 } },
      readings: { cod: 1 },
    });
    expect(issues.map((i) => i.path).sort()).toEqual(['definition.limits.tp', 'definition.limits.zzz'].sort());
  });

  it('checks black-odorous inputs at every level', () => {
    expect(issuesOf({ standard: 'black-odorous', readings: { temp: 20 } })).toEqual([
      { path: 'readings', message: expect.stringMatching(/needs at least one of transparency, do, orp, nh3n/) },
    ]);
    // Found by the batch property test: a lone indicator given as null threw a RangeError (HTTP 500).
    expect(issuesOf({ standard: 'black-odorous', readings: { nh3n: null } })).toEqual([
      { path: 'readings', message: expect.stringMatching(/needs at least one of transparency, do, orp, nh3n/) },
    ]);
    expect(issuesOf({ standard: 'black-odorous', readings: { do: 1, depth: -5 } }).map((i) => i.path)).toEqual([
      'readings.depth',
    ]);
    expect(issuesOf({ standard: 'black-odorous', samples: [] }).map((i) => i.path)).toEqual(['samples']);
    expect(issuesOf({ standard: 'black-odorous', samples: [{ do: 1 }, { dox: 1 }] }).map((i) => i.path)).toEqual([
      'samples[1].readings.dox',
    ]);
    const body = issuesOf({
      standard: 'black-odorous',
      points: [{ grade: 'awful' }, {}, { grade: 'light', samples: [{ do: 1 }] }, { samples: [{ orp: 'x' }] }],
    });
    expect(body.map((i) => i.path).sort()).toEqual(
      ['points[0].grade', 'points[1]', 'points[2]', 'points[3].samples[0].readings.orp'].sort(),
    );
  });

  it('has a readable multi-line message', () => {
    try {
      evaluate({ standard: 'gb3838', readings: { foo: 1 } });
    } catch (err) {
      expect((err as Error).message).toBe(
        '输入无效 / invalid input (1):\n  - readings.foo: 未知参数 "foo" / unknown parameter "foo"',
      );
    }
  });
});

describe('exported schemas (for the API and OpenAPI)', () => {
  it('accept every valid input shape', () => {
    expect(surfaceWaterInputSchema.parse({ standard: 'gb3838', readings: { nh3n: 1 } })).toEqual({
      standard: 'gb3838',
      waterbody: 'river',
      rounding: 'none',
      readings: { nh3n: 1 },
    });
    const all = [
      { standard: 'gb3838', waterbody: 'lake', target: 'II', readings: { tp: 0.02 } },
      { standard: 'gb3838', sections: [{ readings: { tp: 0.02 } }] },
      { standard: 'gb18918-1a', readings: { cod: 10 } },
      { standard: 'custom', definition: { name: { zh: 'a', en: 'a' }, limits: { cod: 30 } }, readings: {} },
      { standard: 'black-odorous', readings: { do: 1 } },
      { standard: 'black-odorous', samples: [{ do: 1 }] },
      { standard: 'black-odorous', points: [{ grade: 'none' }] },
    ];
    expect(evaluationRequestSchema.safeParse(all).success).toBe(true);
    for (const one of all) expect(evaluationRequestSchema.safeParse(one).success).toBe(true);
  });

  it('can produce a JSON Schema', async () => {
    const { z } = await import('zod');
    const schema = z.toJSONSchema(evaluationRequestSchema, { io: 'input' });
    expect(JSON.stringify(schema)).toContain('black-odorous');
  });
});
