/**
 * Real faults of the service's own database, for the fault suite: files that cannot be written, another process
 * holding SQLite's write lock. Nothing here is a mock: the driver meets the fault itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * Makes the database files unwritable, so the next commit fails with an I/O error. Uses the immutable attribute
 * (`chattr +i`), which also stops writes through files the service already has open (a permission change would
 * not, and does not bind root at all): the fault suite runs as root, as CI does on these machines.
 */
export function makeUnwritable(dbPath: string): () => void {
  if (process.getuid?.() !== 0) throw new Error('making the database files immutable needs root (chattr +i); run the fault suite as root');
  const files = [dbPath, `${dbPath}-wal`].filter((f) => existsSync(f));
  execFileSync('chattr', ['+i', ...files]);
  return () => execFileSync('chattr', ['-i', ...files]);
}

export interface LockHolder {
  release(): Promise<void>;
}

/** Starts a second process that holds SQLite's write lock on `dbPath` until released. */
export async function holdSqliteWriteLock(dbPath: string): Promise<LockHolder> {
  const script = fileURLToPath(new URL('./sqlite-lock-holder.js', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [script, dbPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  if (!line.toString().includes('locked')) throw new Error(`the lock holder said ${line.toString()}`);
  return {
    async release() {
      const exited = once(child, 'exit');
      child.stdin!.end('release\n');
      await exited;
    },
  };
}
