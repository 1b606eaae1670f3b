/**
 * Syntax highlighting for code blocks in answers, with Monaco's own tokenizers and theme so a
 * block looks like the same code in the editor. Monaco is imported lazily: it is the editor's
 * chunk, already loaded once a file is open, and the panel does not wait for it (a block shows
 * as plain text until its colours arrive).
 *
 * `monaco.editor.colorize` returns HTML. It is never put into the page as HTML: it is parsed in
 * an inert document, only `mtk…` class names are kept from it, and the text of every token is
 * taken from the code itself, so nothing the model wrote can become markup.
 */

/** A language Monaco knows, as `monaco.languages.getLanguages()` describes it. */
export interface LanguageInfo {
  id: string;
  aliases?: string[] | undefined;
  extensions?: string[] | undefined;
}

/** A run of code in one Monaco token class (`mtk5`, or `mtk5 mtki` for italics). */
export interface HighlightedToken {
  text: string;
  className: string;
}

export type HighlightedLine = readonly HighlightedToken[];

/** Fence tags people and models write that match no Monaco id, alias or extension. */
const tagAliases: Readonly<Record<string, string>> = {
  golang: 'go',
  zsh: 'shell',
  console: 'shell',
  shellsession: 'shell',
  ps: 'powershell',
  pwsh: 'powershell',
  docker: 'dockerfile',
  objc: 'objective-c',
  // JSON's language comes with its worker, which the bundle leaves out; JavaScript's tokenizer
  // colours JSON the same way.
  json: 'javascript',
  jsonc: 'javascript',
  json5: 'javascript',
  // Plain text spelled out.
  text: 'plaintext',
  txt: 'plaintext',
  plain: 'plaintext',
};

/**
 * The Monaco language for a fence's language tag (`ts`, `Python`, `c++`, `yml`, …), matched
 * against the registered languages' ids, aliases and file extensions; `plaintext` for a tag it
 * does not know. With no tag, the extension of the file the block names decides.
 */
export function monacoLanguageFor(
  tag: string,
  path: string | null,
  languages: readonly LanguageInfo[],
): string {
  const wanted = tag
    .trim()
    .toLowerCase()
    .replace(/^(language-|\.)/, '');
  if (!wanted) {
    const extension = path ? /(\.[^./]+)$/.exec(path)?.[1] : undefined;
    return extension ? monacoLanguageFor(extension.slice(1), null, languages) : 'plaintext';
  }
  const name = tagAliases[wanted] ?? wanted;
  const lower = (values: readonly string[] | undefined) =>
    (values ?? []).map((v) => v.toLowerCase());
  const match =
    languages.find((l) => l.id.toLowerCase() === name) ??
    languages.find((l) => lower(l.aliases).includes(name)) ??
    languages.find((l) => lower(l.extensions).includes('.' + name));
  return match?.id ?? 'plaintext';
}

const tokenClass = /^mtk[a-z0-9]+$/;
const blank = /[\t \u00a0]/;

/** Monaco's line breaks (`splitLines`): the code's lines as colorize sees them. */
export function codeLines(code: string): string[] {
  return code.split(/\r\n|\r|\n/);
}

/**
 * The tokens of `colorize`'s HTML for `code`, one array per line, or null when the HTML is not
 * what Monaco renders for that code (then the block stays plain). Monaco renders each line as a
 * `<span>` of token `<span class="mtk…">`s with spaces and tabs as no-break spaces, followed by
 * `<br/>`; only the class names are used, and each token's text is cut from the code itself by
 * counting its visible characters, so the page shows exactly the code (tabs included).
 */
export function tokensFromColorizedHtml(html: string, code: string): HighlightedLine[] | null {
  // A document from DOMParser has no browsing context: no script runs and nothing loads in it.
  const body = new DOMParser().parseFromString(html, 'text/html').body;
  const rendered: { className: string; text: string }[][] = [];
  for (const node of Array.from(body.childNodes)) {
    if (!(node instanceof HTMLElement)) return null;
    if (node.tagName === 'BR') continue;
    if (node.tagName !== 'SPAN' || node.attributes.length > 0) return null;
    const line: { className: string; text: string }[] = [];
    for (const part of Array.from(node.childNodes)) {
      if (!(part instanceof HTMLElement) || part.tagName !== 'SPAN') return null;
      const classes = (part.getAttribute('class') ?? '').split(/\s+/).filter(Boolean);
      // An empty line is one span without a class.
      if (!classes.every((c) => tokenClass.test(c))) return null;
      if (Array.from(part.childNodes).some((child) => child.nodeType !== Node.TEXT_NODE))
        return null;
      line.push({ className: classes.join(' '), text: part.textContent });
    }
    rendered.push(line);
  }
  const lines = codeLines(code);
  if (rendered.length !== lines.length) return null;
  const result: HighlightedLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const tokens = cutLine(lines[i] ?? '', rendered[i] ?? []);
    if (!tokens) return null;
    result.push(tokens);
  }
  return result;
}

/**
 * Gives each rendered token its own text from the source line. Rendered and source text must
 * agree character for character apart from blanks (Monaco widens a tab into several spaces);
 * blanks at a token's end go with it.
 */
function cutLine(
  source: string,
  rendered: readonly { className: string; text: string }[],
): HighlightedToken[] | null {
  const tokens: HighlightedToken[] = [];
  let at = 0;
  for (const [index, token] of rendered.entries()) {
    const start = at;
    for (const ch of token.text) {
      if (blank.test(ch)) continue;
      while (at < source.length && blank.test(source[at] ?? '')) at++;
      if (source.codePointAt(at) !== ch.codePointAt(0)) return null;
      at += ch.length;
    }
    const last = index === rendered.length - 1;
    if (last || blank.test(token.text.at(-1) ?? '')) {
      while (at < source.length && blank.test(source[at] ?? '')) at++;
    }
    if (at > start) tokens.push({ className: token.className, text: source.slice(start, at) });
  }
  return at === source.length ? tokens : null;
}

/** Longer code is shown plain: colouring it would hold the main thread for too long. */
const maxHighlightedChars = 100_000;
const cacheSize = 200;
/** Blocks already coloured, by language and code: re-renders and remounts cost nothing. */
const cache = new Map<string, Promise<HighlightedLine[] | null>>();

/**
 * The code's highlighted lines in the language its fence names (or its path's extension), or
 * null to show it plain: an unknown language, too much code, or Monaco failing to load.
 */
export function highlightCode(
  code: string,
  tag: string,
  path: string | null,
): Promise<HighlightedLine[] | null> {
  if (code.length > maxHighlightedChars) return Promise.resolve(null);
  const key = `${tag}\u0000${path ?? ''}\u0000${code}`;
  const known = cache.get(key);
  if (known) {
    // Most recently used last, so the oldest is dropped first.
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  const colored = import('../../editor/monaco')
    .then(async ({ monaco, monacoTheme }) => {
      const language = monacoLanguageFor(tag, path, monaco.languages.getLanguages());
      if (language === 'plaintext') return null;
      monaco.editor.setTheme(monacoTheme());
      const html = await monaco.editor.colorize(code, language, { tabSize: 4 });
      return tokensFromColorizedHtml(html, code);
    })
    .catch(() => null);
  cache.set(key, colored);
  if (cache.size > cacheSize) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return colored;
}
