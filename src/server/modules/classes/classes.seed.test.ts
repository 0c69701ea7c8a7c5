import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { seedYuzhongClasses } from '../../seed/yuzhong-classes.ts';
import { seedYuzhongDemo } from '../../seed/yuzhong-demo.ts';
import { ClassesService } from './classes.service.ts';
import { guardianContext } from './classes.testkit.ts';

describeEachDatabase('Yuzhong demo classes', (fixture) => {
  it('seeds a catalogue, 2,520 demo library entries in 3 tiers × 3 themes and classes at demo parent schools, once', async () => {
    const { db, config } = fixture();
    assert.equal(await seedYuzhongClasses(db), false, 'nothing to seed without the Yuzhong demo');
    await seedYuzhongDemo(db);
    assert.equal(await seedYuzhongClasses(db), true);
    assert.equal(await seedYuzhongClasses(db), false, 'idempotent');
    const library = await db.selectFrom('class_courses').select(['tier', 'topic', (eb) => eb.fn.countAll<number>().as('n')]).where('external_id', 'like', 'demo:library:%').groupBy(['tier', 'topic']).execute();
    assert.equal(library.reduce((sum, r) => sum + Number(r.n), 0), 2520);
    assert.equal(library.length, 9);
    assert.ok(library.every((r) => Number(r.n) === 280));
    const titles = await db.selectFrom('class_courses').select('title').execute();
    assert.ok(titles.every((t) => t.title.includes('演示')), 'plainly demo content');
    const classes = await db.selectFrom('classes').select(['mode', 'kind', 'demo']).execute();
    assert.deepEqual(classes.map((k) => `${k.mode}/${k.kind}`).sort(), ['fixed/parent_class', 'flexible/flexible_care', 'flexible/parent_class', 'flexible/weekend_class']);

    // The demo parent can book the session starting soon, and gets in on check-in.
    const parent = await db.selectFrom('users').select('id').where('username', '=', 'parent.demo').executeTakeFirstOrThrow();
    const family = await db.selectFrom('family_guardians').select('family_id').where('user_id', '=', parent.id).executeTakeFirstOrThrow();
    const service = new ClassesService(db, config);
    const soon = await db
      .selectFrom('class_sessions as s')
      .innerJoin('classes as k', 'k.id', 's.class_id')
      .select('s.id')
      .where('k.title', '=', '周三家长课堂（演示）')
      .orderBy('s.starts_at')
      .executeTakeFirstOrThrow();
    const booked = await service.book(guardianContext(parent.id, [family.family_id]), soon.id, 'seed-demo-book-1', { familyId: family.family_id, guardianUserIds: [parent.id] });
    assert.equal(booked.body.status, 'confirmed');
  });
});
