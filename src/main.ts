/** `npm start`: checks the runtime, then starts the service (start-service.ts). */
import { requireNode24 } from './runtime/require-node.js';

requireNode24('npm start');
await import('./start-service.js');
