/**
 * The demo storefront under `/shop/`: a few static files (plain HTML, CSS and ES modules, no build step) and the
 * browser ESM build of graphql-ws under `/shop/vendor/`, for the confirmation page's live status, and the pages'
 * GraphQL operations (operations.graphql) as the module `/shop/operations.js`.
 *
 * tsc does not copy the static files into dist/, so they are served from the source tree (`src/demo/public/`),
 * found from the project root. Only files present at start-up are served, each with its own content type;
 * they are read on every request, so editing one needs no restart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { projectRoot } from '../runtime/project-root.js';
import { operationsModule } from './demo-operations.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StorefrontOptions {
  /** The folder with index.html and the rest; defaults to `src/demo/public` in the project. */
  publicDir?: string;
}

export { projectRoot };

/**
 * graphql-ws's browser client: `dist/client.js` and the chunks it imports relatively (e.g. `./common-XXXX.js`).
 * Served under their own names so the relative imports resolve; the first entry is the one pages import.
 */
export function graphqlWsBrowserFiles(): Map<string, string> {
  const entry = fileURLToPath(import.meta.resolve('graphql-ws/client'));
  const dir = dirname(entry);
  const files = new Map<string, string>();
  const visit = (path: string) => {
    const name = basename(path);
    if (files.has(name)) return;
    files.set(name, path);
    const source = readFileSync(path, 'utf8');
    // Module-level import / export statements only (a line that starts with one); the bundle's own strings may
    // mention `import ... from 'ws'` in an error message.
    for (const m of source.matchAll(/^(?:import|export)\b[^;'"]*?(?:from\s*)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1];
      // A bare import ("graphql") would not load in a browser without an import map.
      if (!spec.startsWith('./')) throw new Error(`graphql-ws browser build imports ${spec}; cannot serve it as is`);
      visit(join(dir, spec));
    }
  };
  visit(entry);
  return files;
}

/** URL of graphql-ws's browser client, as the pages import it. */
export const GRAPHQL_WS_BROWSER_PATH = '/shop/vendor/graphql-ws.js';

/** Registers `/shop/`, `/shop/{file}` and `/shop/vendor/{file}`; pass it as `BootstrapOptions.register`. */
export async function storefrontRoutes(app: FastifyInstance, options: StorefrontOptions = {}): Promise<void> {
  const publicDir = options.publicDir ?? join(projectRoot(), 'src', 'demo', 'public');
  const pages = new Map<string, string>();
  for (const name of readdirSync(publicDir)) {
    const ext = name.slice(name.lastIndexOf('.'));
    if (CONTENT_TYPES[ext]) pages.set(name, join(publicDir, name));
  }
  if (!pages.has('index.html')) throw new Error(`storefront: no index.html in ${publicDir}`);

  const vendor = graphqlWsBrowserFiles();
  const [entryName] = vendor.keys();
  const vendorFiles = new Map([...vendor].map(([name, path]) => [name === entryName ? basename(GRAPHQL_WS_BROWSER_PATH) : name, path]));

  const serve = async (reply: FastifyReply, path: string | undefined) => {
    if (!path) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    const type = CONTENT_TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
    return reply
      .type(type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(await readFile(path));
  };

  const operationsFile = join(publicDir, 'operations.graphql');
  app.get('/shop/operations.js', async (_req, reply) =>
    reply.type(CONTENT_TYPES['.js']).header('cache-control', 'no-cache').send(operationsModule(await readFile(operationsFile, 'utf8'))),
  );
  app.get('/shop/', async (_req, reply) => serve(reply, pages.get('index.html')));
  app.get<{ Params: { file: string } }>('/shop/:file', async (req, reply) => serve(reply, pages.get(req.params.file)));
  app.get<{ Params: { file: string } }>('/shop/vendor/:file', async (req, reply) => serve(reply, vendorFiles.get(req.params.file)));
}
