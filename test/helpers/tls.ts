import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway self-signed certificate for 127.0.0.1 and localhost (made with openssl, valid a day). */
export function selfSignedCertificate(): {
  cert: string;
  key: string;
  dir: string;
  certFile: string;
  keyFile: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), dir, certFile, keyFile };
}

/** Removes what {@link selfSignedCertificate} wrote. */
export function removeCertificate(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
