/** `npm run worker`: checks the runtime, then runs the background workers alone (SERVICE_ROLE=worker), no HTTP. */
import { requireNode24 } from './runtime/require-node.js';

requireNode24('npm run worker');
const { runService } = await import('./start-service.js');
await runService({ SERVICE_ROLE: 'worker' });
