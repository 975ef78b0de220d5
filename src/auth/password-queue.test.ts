import { describe, expect, it } from 'vitest';
import { ApiError } from '../http/errors.js';
import { hashPassword } from './password.js';
import { createPasswordWork } from './password-queue.js';

describe('password work queue (real argon2)', () => {
  it('runs a bounded number at once and serves lanes in turn, so one busy lane delays another by one hash', async () => {
    const stored = await hashPassword('right password');
    const work = createPasswordWork({ concurrency: 1 });
    const finished: string[] = [];
    const check = (lane: string, tag: string) => work.verify(stored, 'wrong', lane).then(() => finished.push(tag));
    const busy = Array.from({ length: 5 }, (_, i) => check('ip:flood', `flood${i}`));
    const other = check('ip:friend', 'friend');
    expect(work.waiting).toBe(5);
    await Promise.all([...busy, other]);
    expect(finished.indexOf('friend')).toBe(1);
  });

  it('refuses at once beyond its lane’s queue (429) and beyond the process’s queue (503)', async () => {
    const work = createPasswordWork({ concurrency: 1, perLane: 2, maxQueued: 3 });
    const running = [work.hash('pw 1', 'a'), work.hash('pw 2', 'a'), work.hash('pw 3', 'a')];
    const laneFull = (() => {
      try {
        void work.hash('pw 4', 'a');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(laneFull).toBeInstanceOf(ApiError);
    expect([(laneFull as ApiError).status, (laneFull as ApiError).code]).toEqual([429, 'too_many_attempts']);
    running.push(work.hash('pw 5', 'b'));
    let queueFull: unknown;
    try {
      void work.hash('pw 6', 'c');
    } catch (err) {
      queueFull = err;
    }
    expect([(queueFull as ApiError).status, (queueFull as ApiError).code]).toEqual([503, 'unavailable']);
    await Promise.all(running);
    expect(work.waiting).toBe(0);
  });
});
