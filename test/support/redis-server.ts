/**
 * A redis-server of the test's own, on a free port, that the test can stop and start again on the same port: the
 * shared Redis of the machine is never touched. Nothing is persisted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './test-service.js';

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Whether the server is running now. */
  readonly running: boolean;
  /** Starts the server (again) on its port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM); resolves once the process has exited. */
  stop(): Promise<void>;
}

export async function startTestRedis(options: { started?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const redis: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== null;
    },
    async start() {
      if (child) return;
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (d: Buffer) => {
          output += d.toString();
          if (output.includes('Ready to accept connections')) {
            proc.stdout!.off('data', onData);
            proc.stdout!.resume(); // keep draining its log so the server never blocks on a full pipe
            resolve();
          }
        };
        proc.stdout!.on('data', onData);
        proc.stderr!.resume();
        proc.once('error', reject);
        proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready: ${output.slice(-500)}`)));
      });
      child = proc;
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      child = null;
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = once(proc, 'exit');
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
  if (options.started ?? true) await redis.start();
  return redis;
}
