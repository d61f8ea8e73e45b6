import { describe, expect, it } from 'vitest';
import {
  evaluateBasin,
  meanValues,
  proportionGrade,
  PROPORTION_METHOD_MIN_SECTIONS,
} from '../../src/domain/gb3838-basin.js';

const sections = (...nh3n: number[]) => nh3n.map((v, i) => ({ id: `s${i + 1}`, values: { nh3n: v } }));

describe('river or basin with fewer than 5 sections: mean of each item, then single factor', () => {
  it('averages each item over the sections that measured it', () => {
    const r = evaluateBasin({
      waterbody: 'river',
      sections: [{ values: { nh3n: 0.4, tp: 0.1 } }, { values: { nh3n: 2.0 } }],
    });
    expect(r.method).toBe('section-mean');
    expect(r.sections_evaluated).toBe(2);
    expect(r.items!.nh3n!.value).toBeCloseTo(1.2, 12);
    expect(r.items!.tp!.value).toBe(0.1);
    expect(r.class).toBe('IV');
    expect(r.grade).toBe('轻度污染');
    expect(r.primary_pollutants).toEqual(['nh3n']);
    expect(r).not.toHaveProperty('sections');
  });

  it('uses the mean method for 4 sections', () => {
    expect(evaluateBasin({ waterbody: 'river', sections: sections(0.1, 0.1, 0.1, 3) }).method).toBe('section-mean');
    expect(evaluateBasin({ waterbody: 'river', sections: sections(0.1, 0.1, 0.1, 3) }).class).toBe('III'); // mean 0.825
  });

  it('counts only sections with an evaluation item', () => {
    const r = evaluateBasin({
      waterbody: 'river',
      sections: [...sections(0.1, 0.1, 0.1, 0.1), { values: { conductivity: 300 } }, { values: { temp: 12 } }],
    });
    expect(r.method).toBe('section-mean');
    expect(r.sections_evaluated).toBe(4);
  });

  it('gives class null when no section has an evaluation item', () => {
    const r = evaluateBasin({ waterbody: 'river', sections: [{ values: { temp: 10 } }] });
    expect(r.class).toBeNull();
    expect(r.grade).toBeNull();
  });

  it('averages pH arithmetically by default, through H+ concentration with the 2020 rules', () => {
    expect(meanValues([{ ph: 6 }, { ph: 8 }], 'arithmetic').ph).toBe(7);
    expect(meanValues([{ ph: 6 }, { ph: 8 }], 'hydrogen-ion').ph).toBeCloseTo(6.2967, 4);
    const r = evaluateBasin({
      waterbody: 'river',
      rounding: '2020',
      sections: [{ values: { ph: 6 } }, { values: { ph: 8 } }],
    });
    expect(r.items!.ph).toMatchObject({ value: 6, class: 'I' });
  });
});

describe('river or basin with 5 sections or more: section-proportion method', () => {
  it('applies to exactly 5 sections (decision 4)', () => {
    expect(PROPORTION_METHOD_MIN_SECTIONS).toBe(5);
    expect(evaluateBasin({ waterbody: 'river', sections: sections(0.1, 0.1, 0.1, 0.1, 0.1) }).method).toBe(
      'section-proportion',
    );
  });

  it('reports shares, exceedance rates, each section, and class null', () => {
    // classes: IV, 劣V, II, II, II
    const r = evaluateBasin({ waterbody: 'river', sections: sections(1.2, 2.5, 0.2, 0.2, 0.3) });
    expect(r.class).toBeNull();
    expect(r.share_i_iii).toBe(0.6);
    expect(r.share_inferior_v).toBe(0.2);
    expect(r.grade).toBe('中度污染');
    expect(r.exceedance_rates).toEqual({ nh3n: 0.4 });
    expect(r.primary_pollutants).toEqual(['nh3n']);
    expect(r.sections!.map((s) => [s.id, s.class])).toEqual([
      ['s1', 'IV'],
      ['s2', '劣V'],
      ['s3', 'II'],
      ['s4', 'II'],
      ['s5', 'II'],
    ]);
  });

  it('has no primary pollutants when the basin is 优 or 良好', () => {
    // 9 of 10 in I–III → 优, one section IV
    const r = evaluateBasin({
      waterbody: 'river',
      sections: sections(0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 1.2),
    });
    expect(r.grade).toBe('优');
    expect(r.exceedance_rates).toEqual({ nh3n: 0.1 });
    expect(r.primary_pollutants).toEqual([]);
  });

  it('ranks river primary pollutants by section exceedance rate, ties in Table 1 order', () => {
    const r = evaluateBasin({
      waterbody: 'river',
      sections: [
        { values: { tp: 0.5, codmn: 12 } },
        { values: { tp: 0.5, nh3n: 3 } },
        { values: { tp: 0.5, nh3n: 3, codmn: 12 } },
        { values: { tp: 0.35, do: 1 } },
        { values: { nh3n: 0.1 } },
      ],
    });
    expect(r.exceedance_rates).toEqual({ tp: 0.8, codmn: 0.4, nh3n: 0.4, do: 0.2 });
    expect(r.primary_pollutants).toEqual(['tp', 'codmn', 'nh3n']);
  });

  it.each([
    // [sections I–III, sections 劣V, total, grade]
    [9, 0, 10, '优'],
    [90, 0, 100, '优'],
    [89, 0, 100, '良好'],
    [75, 0, 100, '良好'],
    [74, 19, 100, '轻度污染'],
    [74, 20, 100, '中度污染'],
    [60, 39, 100, '中度污染'],
    [60, 40, 100, '重度污染'],
    [0, 100, 100, '重度污染'],
    [5, 0, 5, '优'],
  ])('%i of %i… I–III and %i 劣V → grade', (iToIii, inferiorV, total, grade) => {
    expect(proportionGrade({ total, iToIii, inferiorV }).grade).toBe(grade);
  });

  it('grades every band through evaluateBasin', () => {
    const grade = (...v: number[]) => evaluateBasin({ waterbody: 'river', sections: sections(...v) }).grade;
    expect(grade(0.1, 0.1, 0.1, 0.1, 0.1)).toBe('优');
    expect(grade(0.1, 0.1, 0.1, 0.1, 1.2)).toBe('良好'); // 80 %
    expect(grade(0.1, 0.1, 0.1, 1.2, 1.2)).toBe('轻度污染'); // 60 %, no 劣V
    expect(grade(0.1, 0.1, 0.1, 1.2, 3)).toBe('中度污染'); // 劣V 20 %
    expect(grade(0.1, 0.1, 0.1, 3, 3)).toBe('重度污染'); // 劣V 40 %
  });
});

describe('lakes and reservoirs: always the mean of the points', () => {
  it('averages even with 5 points or more, with lake TP limits', () => {
    const r = evaluateBasin({
      waterbody: 'lake',
      sections: [0.04, 0.05, 0.06, 0.05, 0.05].map((tp) => ({ values: { tp } })),
    });
    expect(r.method).toBe('section-mean');
    expect(r.items!.tp!.value).toBeCloseTo(0.05, 12);
    expect(r.class).toBe('III');
  });
});
