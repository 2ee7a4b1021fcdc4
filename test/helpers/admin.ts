import type { TestContext } from 'node:test';
import type { AdminView, AdminViewOptions, StompServerOptions } from '../../src/index.js';
import { createAdminView } from '../../src/index.js';
import { connectTestClient } from '../../src/testing/index.js';
import type { TestServer } from './server.js';
import { startServer } from './server.js';

/**
 * A server whose users log in by `login`, with the admin view (token `token`) answering its
 * requests and 404 for the rest.
 */
export async function startAdminServer(
  t: TestContext,
  token: string,
  options: { server?: StompServerOptions; admin?: Omit<AdminViewOptions, 'token'> } = {},
): Promise<TestServer & { admin: AdminView }> {
  const mounted: { admin?: AdminView } = {};
  const started = await startServer(t, {
    authenticate: ({ login }) => (login ? { name: login } : undefined),
    requestListener: (req, res) => {
      if (!mounted.admin?.handle(req, res)) res.writeHead(404).end();
    },
    ...options.server,
  });
  const admin = (mounted.admin = createAdminView(started.server, { ...options.admin, token }));
  t.after(() => admin.close());
  return { ...started, admin };
}

/** Opens `count` in-memory sessions (users `user-00000`...), cheaply, in batches. */
export async function manySessions(server: TestServer['server'], count: number): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, (_, i) =>
      connectTestClient(server, { user: { name: `user-${String(start + i).padStart(5, '0')}` } }),
    );
    await Promise.all(batch);
  }
}
