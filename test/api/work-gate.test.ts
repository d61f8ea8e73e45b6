import { describe, expect, it } from 'vitest';
import { createWorkGate, GateFullError } from '../../src/api/work-gate.js';

describe('work gate', () => {
  it('runs at most `concurrency` at a time, in arrival order, and turns away beyond `maxWaiting`', async () => {
    const gate = createWorkGate({ concurrency: 2, maxWaiting: 2 });
    const started: number[] = [];
    const release: (() => void)[] = [];
    const job = (id: number) =>
      gate.run(async () => {
        started.push(id);
        await new Promise<void>((resolve) => release.push(resolve));
        return id;
      });
    const runs = [job(1), job(2), job(3), job(4)];
    await expect(job(5)).rejects.toBeInstanceOf(GateFullError);
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    expect([gate.active, gate.waiting]).toEqual([2, 2]);
    release.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([1, 2, 3]);
    while (release.length > 0 || started.length < 4) {
      release.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
    release.forEach((r) => r());
    expect(await Promise.all(runs)).toEqual([1, 2, 3, 4]);
    expect([gate.active, gate.waiting]).toEqual([0, 0]);
  });

  it('frees the slot when the work throws', async () => {
    const gate = createWorkGate({ concurrency: 1, maxWaiting: 0 });
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 'next')).toBe('next');
  });
});
