// Every relative link and #anchor in README.md and docs/*.md resolves, and the README links every
// page of docs/ (it is the front door). The checker itself is tested on fixtures first.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  brokenLinks,
  githubSlug,
  headingSlugs,
  relativeLinks,
  type DocsTree,
} from '../../helpers/markdown-links.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('githubSlug makes the anchors GitHub makes', () => {
  assert.equal(githubSlug('Relaying to RabbitMQ (many instances)'), 'relaying-to-rabbitmq-many-instances');
  assert.equal(githubSlug('SockJS: when WebSocket is blocked'), 'sockjs-when-websocket-is-blocked');
  assert.equal(githubSlug('Rules file (standalone server)'), 'rules-file-standalone-server');
  assert.equal(githubSlug('`server.stats()` fields'), 'serverstats-fields');
  assert.equal(githubSlug('Request/reply, 1.0–1.2 → done!'), 'requestreply-1012--done');
  assert.equal(githubSlug('Two  spaces'), 'two--spaces');
  assert.equal(githubSlug('snake_case and kebab-case'), 'snake_case-and-kebab-case');
  assert.equal(githubSlug('Ünïcode Ωmega'), 'ünïcode-ωmega');
});

test('headingSlugs numbers repeats, skips fenced code, drops closing hashes and link targets', () => {
  const page = [
    '# Limits',
    '## Limits',
    '### Limits ##',
    '```sh',
    '# not a heading',
    '```',
    '## See [the relay](relay.md)',
    '#no-space is not a heading',
  ].join('\n');
  assert.deepEqual([...headingSlugs(page)], ['limits', 'limits-1', 'limits-2', 'see-the-relay']);
});

test('relativeLinks finds links into the repository, not URLs, code spans or code blocks', () => {
  const page = [
    'See [Concepts](concepts.md) and [the API](https://example.com/api), [mail](mailto:a@b.c).',
    'Code: `[not](a-link.md)`; an ![image](img/shot.png "title") and [here](#limits).',
    '```md',
    '[inside](code.md)',
    '```',
    '[ref]: ../CHANGELOG.md',
  ].join('\n');
  assert.deepEqual(relativeLinks(page), [
    { target: 'concepts.md', line: 1 },
    { target: 'img/shot.png', line: 2 },
    { target: '#limits', line: 2 },
    { target: '../CHANGELOG.md', line: 6 },
  ]);
});

test('brokenLinks reports a missing file, a missing anchor, an anchor into a non-page and a way out', () => {
  const files = new Map<string, string>([
    ['README.md', '# Switchboard\n## Limits\n'],
    ['docs/a.md', '# A\n## Limits\n## Limits\n'],
    ['docs/b.md', '# B\n'],
    ['src/limits.ts', 'export {};'],
  ]);
  const tree: DocsTree = {
    read: (file) => (file.endsWith('.md') ? files.get(file) : undefined),
    exists: (file) => files.has(file) || [...files.keys()].some((f) => f.startsWith(`${file}/`)),
  };
  const page = [
    'Good: [b](b.md), [b top](b.md#b), [second limits](a.md#limits-1), [here](#limits-1),',
    '[readme](../README.md#limits), [code](../src/limits.ts), [folder](../src/).',
    'Bad: [gone](c.md), [no anchor](b.md#nothing), [third](a.md#limits-2),',
    '[into code](../src/limits.ts#L3), [out](../../etc/passwd).',
  ].join('\n');
  files.set('docs/a.md', `${files.get('docs/a.md')}\n${page}\n`);
  assert.deepEqual(brokenLinks('docs/a.md', tree), [
    'docs/a.md:7: c.md (no file docs/c.md)',
    'docs/a.md:7: b.md#nothing (no heading #nothing in docs/b.md)',
    'docs/a.md:7: a.md#limits-2 (no heading #limits-2 in docs/a.md)',
    'docs/a.md:8: ../src/limits.ts#L3 (an anchor into src/limits.ts, which is not a Markdown page)',
    'docs/a.md:8: ../../etc/passwd (outside the repository)',
  ]);
});

const pages = [
  'README.md',
  ...readdirSync(`${root}docs`)
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const repository: DocsTree = {
  read: (file) =>
    file.endsWith('.md') && existsSync(root + file) ? readFileSync(root + file, 'utf8') : undefined,
  exists: (file) => existsSync(root + file),
};

test('every relative link and #anchor in README.md and docs/*.md resolves', () => {
  assert.ok(pages.length >= 11, `found ${pages.length} pages`);
  const links = pages.flatMap((page) => relativeLinks(repository.read(page)!));
  assert.ok(links.length > 50, `found ${links.length} links`);
  assert.deepEqual(
    pages.flatMap((page) => brokenLinks(page, repository)),
    [],
  );
});

test('the README links every page of docs/, and every page links back to its siblings', () => {
  const readmeTargets = new Set(
    relativeLinks(repository.read('README.md')!).map((l) => l.target.split('#')[0]),
  );
  for (const page of pages.filter((p) => p !== 'README.md')) {
    assert.ok(readmeTargets.has(page), `README.md does not link ${page}`);
    const siblings = relativeLinks(repository.read(page)!).filter((l) => /^[a-z-]+\.md(#|$)/.test(l.target));
    assert.ok(siblings.length > 0, `${page} links no sibling page`);
  }
});
