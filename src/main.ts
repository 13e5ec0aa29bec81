/** `npm start`: checks the runtime, then runs the service (HTTP, and the workers unless SERVICE_ROLE says not). */
import { requireNode24 } from './runtime/require-node.js';

requireNode24('npm start');
const { runService } = await import('./start-service.js');
await runService();
