/**
 * The daily digest under data marks (issue 14 item 5): the day's figures use the effective flags, and the digest
 * says how many readings were under approved marks, so a figure never changes silently. Real SQLite reading and
 * mark stores, the production job wiring, an injected clock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { DigestNotification } from '../../src/alerts/notification.js';
import { silentLogger } from '../../src/logger.js';
import { withDataMarks } from '../../src/marks/marked-reading-store.js';
import { createSqliteMarkStore } from '../../src/marks/sqlite-mark-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { catalogData, HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import { createJobsRig, type JobsRig } from '../jobs/helpers/jobs-rig.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-digest-marks-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let jr: JobsRig | undefined;
afterEach(async () => {
  await jr?.close();
});

it('counts the readings under approved marks and judges the day on their effective flags', async () => {
  const marks = createSqliteMarkStore({ file: path.join(dir, 'marks.db') });
  const readings = withDataMarks(createSqliteStore({ file: ':memory:', logger: silentLogger() }), marks);
  // Queued only: the test reads the outbox, nothing needs to answer at this address.
  jr = await createJobsRig({ catalog: catalogData('http://127.0.0.1:9/unit'), readings, marks: readings });
  // The 28th at out-1 (target III): NH3-N 0.8, but 5.0 from 10:00 to 14:00 while the analyser was serviced —
  // the day's mean 1.5 (class IV). Marked M by the bureau: 0.8 over 20 readings, class III.
  await jr.rig.write('out-1', T0, 24, { ph: 7.5, do: 6.5, codmn: 4, nh3n: 0.8, tp: 0.1, temp: 18 });
  await jr.rig.write('out-1', T0 + 10 * HOUR, 4, { nh3n: 5.0 });
  const bureau = { keyId: 'bu', name: '市生态环境局', role: 'bureau' };
  await marks.create(
    {
      stationId: 'out-1',
      parameters: ['nh3n'],
      from: T0 + 10 * HOUR,
      to: T0 + 14 * HOUR,
      flag: 'M',
      reason: '维护',
      by: bureau,
      at: T0,
    },
    { by: bureau, at: T0, note: '', automatic: true },
  );
  jr.rig.clock.set(T0 + 32 * HOUR + 30 * MIN);
  const result = await jr.jobs.scheduler.run('daily-digest', 'schedule');
  expect(result).toMatchObject({ status: 'completed', run: { summary: { non_compliant_sections: 0 } } });
  const digest = (await jr.rig.store.notifications(0)).map((e) => e.notification as DigestNotification)[0]!;
  expect(digest.text).toContain('- 数据标记：本日有 4 条数据处于已生效的数据标记下，按标记后的有效标记计算');
  expect(digest.text).toContain('- 清流河出境断面（出境断面，目标Ⅲ类）：Ⅲ类，达标');
  expect(digest.digest).toMatchObject({ readings_under_marks: 4 });
  await marks.close();
});
