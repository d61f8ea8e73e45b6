import { describe, expect, it } from 'vitest';
import { createWorkGate, GateFullError } from '../../src/api/work-gate.js';

describe('work gate', () => {
  it('runs at most `concurrency` at a time, in arrival order, and turns away beyond `maxWaiting`', async () => {
    const gate = createWorkGate({ concurrency: 2, maxWaiting: 2 });
    const started: number[] = [];
    const finish = new Map<number, () => void>();
    const job = (id: number) =>
      gate.run(async () => {
        started.push(id);
        await new Promise<void>((resolve) => finish.set(id, resolve));
        return id;
      });
    const tick = () => new Promise((r) => setTimeout(r, 0));
    const runs = [job(1), job(2), job(3), job(4)];
    await expect(job(5)).rejects.toBeInstanceOf(GateFullError);
    await tick();
    expect(started).toEqual([1, 2]);
    expect([gate.active, gate.waiting]).toEqual([2, 2]);
    finish.get(2)!();
    await tick();
    expect(started).toEqual([1, 2, 3]);
    for (const id of [1, 3]) finish.get(id)!();
    await tick();
    expect(started).toEqual([1, 2, 3, 4]);
    finish.get(4)!();
    expect(await Promise.all(runs)).toEqual([1, 2, 3, 4]);
    expect([gate.active, gate.waiting]).toEqual([0, 0]);
  });

  it('frees the slot when the work throws', async () => {
    const gate = createWorkGate({ concurrency: 1, maxWaiting: 0 });
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 'next')).toBe('next');
  });
});
