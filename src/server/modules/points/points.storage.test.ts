import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildTestApp, TestClient } from '../../../../test/support/http.ts';
import { startS3Server } from '../../../../test/support/s3-server.ts';
import { buildWorld } from '../../../../test/support/world.ts';
import { S3Storage } from '../../storage/s3.ts';

describeEachDatabase('points photos in S3-compatible storage, shared by two app instances', (fixture) => {
  let server: Awaited<ReturnType<typeof startS3Server>>;
  const clients: S3Storage[] = [];
  before(async () => {
    server = await startS3Server();
  });
  after(async () => {
    for (const client of clients) client.close();
    await server.close();
  });

  it('a photo logged through one instance is served by another, to the family only', async () => {
    const { db, database, config } = fixture();
    const world = await buildWorld(db);
    // Two app instances, each with its own S3 client, on one database and one bucket (as behind a load balancer).
    const [storageA, storageB] = [new S3Storage(server.settings), new S3Storage(server.settings)];
    clients.push(storageA, storageB);
    const appA = buildTestApp(database, config, { storage: storageA });
    const appB = buildTestApp(database, config, { storage: storageB });
    const onA = await TestClient.signedIn(appA, world.users.parentA.login, world.users.parentA.password);
    const onB = await TestClient.signedIn(appB, world.users.parentA.login, world.users.parentA.password);
    const familyId = world.familyA.family.id;
    const summary = await onA.get(`/api/points/families/${familyId}`);
    const rule = summary.body.homeRules[0] as { id: string };
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const logged = await onA.post(`/api/points/families/${familyId}/home-activities`, { ruleId: rule.id, photo: { contentType: 'image/png', dataBase64: png.toString('base64') }, idempotencyKey: randomUUID() });
    assert.equal(logged.status, 201, JSON.stringify(logged.body));
    const photoId = logged.body.entry.source.photoId as string;
    const { storage_path } = await db.selectFrom('points_photos').select('storage_path').where('id', '=', photoId).executeTakeFirstOrThrow();
    assert.equal(await storageB.size(storage_path), png.length, 'the object is in the shared bucket');
    const image = await onB.fetch(`/api/points/photos/${photoId}`);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), png);
    const other = await TestClient.signedIn(appB, world.users.parentB.login, world.users.parentB.password);
    assert.equal((await other.fetch(`/api/points/photos/${photoId}`)).status, 403);

  });
});
