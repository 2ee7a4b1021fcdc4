import type { TestContext } from 'node:test';
import type { AdminView } from '../../src/index.js';
import { createAdminView } from '../../src/index.js';
import type { TestServer } from './server.js';
import { startServer } from './server.js';

/**
 * A server whose users log in by `login`, with the admin view (token `token`) answering its
 * requests and 404 for the rest.
 */
export async function startAdminServer(
  t: TestContext,
  token: string,
): Promise<TestServer & { admin: AdminView }> {
  const mounted: { admin?: AdminView } = {};
  const started = await startServer(t, {
    authenticate: ({ login }) => (login ? { name: login } : undefined),
    requestListener: (req, res) => {
      if (!mounted.admin?.handle(req, res)) res.writeHead(404).end();
    },
  });
  const admin = (mounted.admin = createAdminView(started.server, { token }));
  t.after(() => admin.close());
  return { ...started, admin };
}
