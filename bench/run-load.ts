/**
 * Runs the load generator as a second Node process (the same Node 24 binary as this one) and returns its result,
 * with the CPU this process (the server's) used while the measured window lasted.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MEASURING_LINE, type LoadJob, type LoadResult } from './load-protocol.js';

const GENERATOR = fileURLToPath(new URL('./load-generator.js', import.meta.url));

/**
 * Sends `job` to a fresh load generator process and waits for its one-line JSON answer. `statements`, when given,
 * reads the server's statement count (src/db/statement-counter.ts): the result then says how many statements the
 * server ran per answer in the measured window (its workers' included, when they run).
 */
export function runLoad(job: LoadJob, statements?: () => number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // The job goes over stdin: thousands of payments do not fit in argv.
    const child = spawn(process.execPath, [GENERATOR], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let window: { cpu: NodeJS.CpuUsage; at: number; statements: number } | null = null;
    let statementsAtEnd = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!window && out.includes(MEASURING_LINE)) window = { cpu: process.cpuUsage(), at: performance.now(), statements: statements?.() ?? 0 };
    });
    // The generator's last answer has come back by the time it closes its stdout.
    child.stdout.on('end', () => (statementsAtEnd = statements?.() ?? 0));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with code ${code}`));
      let result: LoadResult;
      try {
        result = JSON.parse(out.trim().split('\n').at(-1) ?? '') as LoadResult;
      } catch (e) {
        return reject(new Error(`load generator printed no result: ${(e as Error).message}`));
      }
      if (window) {
        const used = process.cpuUsage(window.cpu);
        result.serverCpuPercent = ((used.user + used.system) / 1e3 / (performance.now() - window.at)) * 100;
        if (statements) result.statementsPerAnswer = (statementsAtEnd - window.statements) / result.responses;
      }
      resolve(result);
    });
    child.stdin.end(JSON.stringify(job));
  });
}
