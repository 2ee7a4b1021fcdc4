import type { Logger } from '../../src/index.js';

/** A logger that keeps every entry, for asserting what was logged (and what was not). */
export class RecordingLogger implements Logger {
  readonly entries: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  debug = (message: string, meta?: Record<string, unknown>): void =>
    void this.entries.push({ level: 'debug', message, meta });
  info = (message: string, meta?: Record<string, unknown>): void =>
    void this.entries.push({ level: 'info', message, meta });
  warn = (message: string, meta?: Record<string, unknown>): void =>
    void this.entries.push({ level: 'warn', message, meta });
  error = (message: string, meta?: Record<string, unknown>): void =>
    void this.entries.push({ level: 'error', message, meta });

  find(level: string, pattern: RegExp) {
    return this.entries.find((e) => e.level === level && pattern.test(e.message));
  }
}
