/**
 * The bench's storefront and gateway, over plain `node:http` with keep-alive connections (as Vendure's peer bench
 * drives Vendure): GraphQL requests to `/graphql`, signed QuickPay callbacks to `/callbacks/quickpay`.
 */
import http from 'node:http';

export class StorefrontClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(baseUrl: string, connections: number) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  /** Runs one GraphQL operation; throws on a transport error, a non-200 answer or any GraphQL error. */
  async gql<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const { status, body } = await this.post('/graphql', JSON.stringify({ query, variables }), headers);
    const json = JSON.parse(body) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (status !== 200 || json.errors?.length) {
      const first = json.errors?.[0];
      throw new Error(`HTTP ${status}: ${first ? `${first.extensions?.code ?? ''} ${first.message}` : body.slice(0, 200)}`);
    }
    return json.data as T;
  }

  /** Posts a signed QuickPay callback; returns the answer's `status` field (ACCEPTED, DUPLICATE, ...). */
  async callback(body: string, checksum: string): Promise<string> {
    const answer = await this.post('/callbacks/quickpay', body, { 'content-type': 'application/json', 'quickpay-checksum-sha256': checksum });
    if (answer.status !== 200) throw new Error(`callback: HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
    return String((JSON.parse(answer.body) as { status?: unknown }).status);
  }

  close(): void {
    this.agent.destroy();
  }

  private post(path: string, body: string, headers: http.OutgoingHttpHeaders): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.base.hostname, port: this.base.port, path, method: 'POST', agent: this.agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
