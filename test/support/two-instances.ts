/** Two service instances on one scratch database, as two processes behind a load balancer would be. */
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import { seedCatalogue } from './shop-fixture.js';
import { testDatabaseKind } from './test-database.js';
import { startTestService, type TestService } from './test-service.js';

export interface TwoInstances {
  a: TestService;
  b: TestService;
  close(): Promise<void>;
}

export async function startTwoInstances(env: Record<string, string> = {}): Promise<TwoInstances> {
  const db = await createScratchDatabase(testDatabaseKind(), 'two');
  const a = await startTestService({ databaseUrl: db.config.url, env });
  const b = await startTestService({ databaseUrl: db.config.url, env });
  await seedCatalogue(a);
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await db.drop();
    },
  };
}
