/** IPC between the benchmark runner and its child processes. */
import type { ChildProcess } from 'node:child_process';

/**
 * The next IPC message of `type` from `child`; rejects on timeout or when the child is gone
 * first ('close', not 'exit': 'exit' can come before the last messages are read).
 */
export function nextMessage<T>(child: ChildProcess, type: string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for '${type}'`)), timeoutMs);
    const onMessage = (message: { type: string }): void => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('close', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before '${type}'`));
    };
    child.on('message', onMessage);
    child.once('close', onExit);
  });
}
