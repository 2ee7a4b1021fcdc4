// Relative links and #anchors in Markdown, checked the way GitHub renders them: a link resolves when
// its file exists and its anchor is the slug of one of that file's headings.
import path from 'node:path';

/**
 * GitHub's anchor for a heading: lowercase, punctuation and symbols removed (letters, digits,
 * hyphens, underscores and spaces kept), then each space a hyphen.
 */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The lines outside fenced code blocks, with their 1-based line numbers. */
function proseLines(markdown: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, i) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (marker !== undefined && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return;
    }
    if (fence === undefined) out.push({ text, line: i + 1 });
  });
  return out;
}

/** The anchors of a page's headings; a repeated slug gets -1, -2, ... as on GitHub. */
export function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    // Rendered text: a link shows its text, an HTML tag nothing.
    const base = githubSlug(heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, ''));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  return slugs;
}

/** One link found in a page. */
export interface MarkdownLink {
  target: string;
  line: number;
}

/** Inline links, images and reference definitions that point inside the repository (not URLs). */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { text, line } of proseLines(markdown)) {
    const prose = text.replace(/(`+)[^]*?\1/g, (span) => ' '.repeat(span.length)); // code spans are not links
    const targets = [
      ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)].map((m) => m[1]!),
    ];
    for (const target of targets) {
      if (!/^[a-z][a-z0-9+.-]*:|^\/\//i.test(target)) links.push({ target, line });
    }
  }
  return links;
}

/** Where the checker reads: paths are relative to the repository root, with `/` separators. */
export interface DocsTree {
  /** The text of the Markdown file at `file`, or undefined when there is none. */
  read(file: string): string | undefined;
  /** Whether a file or directory exists at `file`. */
  exists(file: string): boolean;
}

/** Every link of `page` that does not resolve, as `page:line: target (why)`. */
export function brokenLinks(page: string, tree: DocsTree): string[] {
  const markdown = tree.read(page);
  if (markdown === undefined) return [`${page}: no such page`];
  const broken: string[] = [];
  for (const { target, line } of relativeLinks(markdown)) {
    const hashAt = target.indexOf('#');
    const filePart = hashAt === -1 ? target : target.slice(0, hashAt);
    const anchor = hashAt === -1 ? undefined : decodeURIComponent(target.slice(hashAt + 1));
    const file =
      filePart === ''
        ? page
        : path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURI(filePart)));
    const fail = (why: string) => broken.push(`${page}:${line}: ${target} (${why})`);
    if (file.startsWith('../') || path.posix.isAbsolute(file)) fail('outside the repository');
    else if (!tree.exists(file.replace(/\/$/, '') || '.')) fail(`no file ${file}`);
    else if (anchor !== undefined) {
      const text = file.endsWith('.md') ? tree.read(file) : undefined;
      if (text === undefined) fail(`an anchor into ${file}, which is not a Markdown page`);
      else if (!headingSlugs(text).has(anchor)) fail(`no heading #${anchor} in ${file}`);
    }
  }
  return broken;
}
