/**
 * A stand-in for `editor/monaco` in unit tests (importing the real Monaco into jsdom takes tens of
 * seconds and needs browser APIs jsdom lacks). Its `colorize` renders HTML the way Monaco's
 * does: per line a `<span>` of `<span class="mtkN">` tokens, spaces and tabs as no-break spaces,
 * `<`, `>` and `&` escaped, each line followed by `<br/>`. Keywords are `mtk8`, the rest `mtk1`.
 */
const keywords = new Set(['const', 'let', 'function', 'return', 'def', 'import', 'class', 'if']);

const languages = [
  { id: 'plaintext', aliases: ['Plain Text', 'text'], extensions: ['.txt'] },
  { id: 'typescript', aliases: ['TypeScript', 'ts', 'typescript'], extensions: ['.ts', '.tsx'] },
  { id: 'javascript', aliases: ['JavaScript', 'javascript', 'js'], extensions: ['.js', '.jsx'] },
  { id: 'python', aliases: ['Python', 'py'], extensions: ['.py'] },
  { id: 'html', aliases: ['HTML', 'htm', 'html', 'xhtml'], extensions: ['.html', '.htm'] },
];

function renderLine(line: string, tabSize: number): string {
  if (line === '') return '<span><span></span></span>';
  const parts: { cls: string; text: string }[] = [];
  for (const piece of line.match(/\s+|\w+|[^\s\w]+/g) ?? []) {
    const cls = keywords.has(piece) ? 'mtk8' : 'mtk1';
    const last = parts.at(-1);
    if (last && last.cls === cls) last.text += piece;
    else parts.push({ cls, text: piece });
  }
  let column = 0;
  const html = parts.map(({ cls, text }) => {
    let out = '';
    for (const ch of text) {
      if (ch === '\t') {
        const width = tabSize - (column % tabSize);
        out += '\u00a0'.repeat(width);
        column += width;
        continue;
      }
      out +=
        ch === ' '
          ? '\u00a0'
          : ch === '<'
            ? '&lt;'
            : ch === '>'
              ? '&gt;'
              : ch === '&'
                ? '&amp;'
                : ch;
      column++;
    }
    return `<span class="${cls}">${out}</span>`;
  });
  return `<span>${html.join('')}</span>`;
}

export const monaco = {
  languages: { getLanguages: () => languages },
  editor: {
    setTheme: () => {},
    colorize: (text: string, _languageId: string, options: { tabSize?: number }) => {
      const lines = text.split(/\r\n|\r|\n/);
      return Promise.resolve(
        lines.map((l) => renderLine(l, options.tabSize ?? 4) + '<br/>').join(''),
      );
    },
  },
};

export const monacoTheme = () => 'vs';
