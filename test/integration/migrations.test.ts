import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/db/orm.js';
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import { testDatabaseKind } from '../support/test-database.js';

describe(`committed migrations (${testDatabaseKind()})`, () => {
  it('build exactly the schema the entities describe, and a second start applies nothing', async () => {
    const scratch = await createScratchDatabase(testDatabaseKind(), 'migrations');
    try {
      const orm = await openDatabase(scratch.config, { migrate: true });
      try {
        const drift = await orm.schema.getUpdateSchemaSQL({ wrap: false });
        assert.equal(drift.trim(), '', `entities and migrations differ; run npm run migration:create:\n${drift}`);
        assert.deepEqual(await orm.migrator.getPending(), []);
        const executed = await orm.migrator.getExecuted();
        assert.ok(executed.length >= 1);
      } finally {
        await orm.close();
      }
      const again = await openDatabase(scratch.config, { migrate: false });
      try {
        assert.deepEqual(await again.migrator.getPending(), [], 'nothing pending on restart');
      } finally {
        await again.close();
      }
    } finally {
      await scratch.drop();
    }
  });
});
