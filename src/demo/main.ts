/** `npm run demo`: checks the runtime, then starts the demo (run-demo.ts). */
import { requireNode24 } from '../runtime/require-node.js';

requireNode24('npm run demo');
await import('./run-demo.js');
