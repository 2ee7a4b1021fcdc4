import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { AuthorizationRule } from '../security/authorization.js';
import { parseAuthorizationRules } from '../security/rules-file.js';
import { ExitCodes, StartupError, fileFailure } from './startup-error.js';

/** Reads the PEM certificate and key, and checks that TLS can use them (they parse and match). */
export function loadTls(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const cert = read(certFile, '--tls-cert', 'the TLS certificate');
  const key = read(keyFile, '--tls-key', 'the TLS private key');
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new StartupError(
      `the TLS certificate and key cannot be used (${oneLine(error)}); give a PEM certificate with --tls-cert and its own private key with --tls-key`,
      ExitCodes.file,
    );
  }
  return { cert, key };
}

/** Reads and validates a rules file: unreadable exits 3, invalid exits 2, each with one line. */
export function loadRules(file: string): AuthorizationRule[] {
  const text = read(file, '--rules', 'the rules file');
  try {
    return parseAuthorizationRules(text.toString('utf8'), `rules file '${file}'`);
  } catch (error) {
    throw new StartupError(
      `${oneLine(error)}; the format is in docs/security.md ("Rules file")`,
      ExitCodes.usage,
    );
  }
}

/** An error's message on one line, without the stack. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function read(file: string, flag: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw fileFailure(error, file, flag, what);
  }
}
