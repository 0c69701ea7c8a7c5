import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchLoader } from '../../lib/batch-loader.ts';
import { GroupCommit, type GroupCommitItem } from './points.group-commit.ts';

interface Item extends GroupCommitItem<string> {
  n: number;
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('GroupCommit', () => {
  it('commits a quiet request alone at once, and what arrives meanwhile together, one item per key per batch', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<Item, string>(
      async (batch) => {
        batches.push(batch.map((i) => i.n));
        await tick();
        for (const item of batch) item.resolve(`done ${item.n}`);
      },
      10,
      1,
    );
    const first = group.submit({ key: 'a', n: 0 });
    // While the first batch runs: two more of key a, three of other keys.
    const rest = [group.submit({ key: 'a', n: 1 }), group.submit({ key: 'b', n: 2 }), group.submit({ key: 'a', n: 3 }), group.submit({ key: 'c', n: 4 }), group.submit({ key: 'd', n: 5 })];
    assert.deepEqual(await Promise.all([first, ...rest]), ['done 0', 'done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
    assert.deepEqual(batches, [[0], [1, 2, 4, 5], [3]]);
  });

  it('never runs two batches with the same key at once, and respects the batch size', async () => {
    let running = new Set<string>();
    let maxSize = 0;
    const group = new GroupCommit<Item, string>(
      async (batch) => {
        maxSize = Math.max(maxSize, batch.length);
        for (const item of batch) {
          assert.ok(!running.has(item.key), `key ${item.key} in two running batches`);
        }
        running = new Set([...running, ...batch.map((i) => i.key)]);
        await tick();
        for (const item of batch) running.delete(item.key);
        for (const item of batch) item.resolve(item.key);
      },
      3,
      4,
    );
    await Promise.all(Array.from({ length: 40 }, (_, n) => group.submit({ key: `k${n % 5}`, n })));
    assert.ok(maxSize <= 3);
  });

  it('when a batch fails, each of its items is tried alone: one bad item fails alone', async () => {
    const group = new GroupCommit<Item, string>(
      async (batch) => {
        if (batch.some((i) => i.n === 2)) throw new Error(`batch with 2 (${batch.length})`);
        await tick();
        for (const item of batch) item.resolve(`ok ${item.n}`);
      },
      10,
      1,
    );
    const blocker = group.submit({ key: 'x', n: 0 });
    const results = await Promise.allSettled([1, 2, 3].map((n) => group.submit({ key: `k${n}`, n })));
    await blocker;
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      ['ok 1', 'batch with 2 (1)', 'ok 3'],
    );
  });
});

describe('BatchLoader', () => {
  it('coalesces look-ups that arrive while one is in flight; every look-up is answered by a statement started after it', async () => {
    let version = 0;
    const calls: string[][] = [];
    const loader = new BatchLoader<string, string>(
      async (keys) => {
        calls.push(keys);
        const seen = version;
        await tick();
        return keys.map((k) => `${k}@${seen}`);
      },
      1,
      100,
    );
    const a = loader.load('a');
    version = 1; // a change committed after a was asked but while its statement runs
    const b = loader.load('b');
    const c = loader.load('c');
    assert.deepEqual(await Promise.all([a, b, c]), ['a@0', 'b@1', 'c@1']);
    assert.deepEqual(calls, [['a'], ['b', 'c']]);
  });

  it('a failed statement fails its look-ups only', async () => {
    const loader = new BatchLoader<number, number>(
      async (keys) => {
        await tick();
        if (keys.includes(0)) throw new Error('boom');
        return keys.map((k) => k * 2);
      },
      1,
      100,
    );
    const failed = loader.load(0);
    const later = loader.load(4);
    await assert.rejects(failed, /boom/);
    assert.equal(await later, 8);
  });
});
