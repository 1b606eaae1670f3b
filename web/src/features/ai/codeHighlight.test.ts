import { describe, expect, it } from 'vitest';
import { monacoLanguageFor, tokensFromColorizedHtml, type LanguageInfo } from './codeHighlight';

// As monaco.languages.getLanguages() lists them (a few of the ninety).
const languages: LanguageInfo[] = [
  { id: 'plaintext', aliases: ['Plain Text', 'text'], extensions: ['.txt'] },
  { id: 'typescript', aliases: ['TypeScript', 'ts', 'typescript'], extensions: ['.ts', '.tsx'] },
  { id: 'javascript', aliases: ['JavaScript', 'javascript', 'js'], extensions: ['.js', '.jsx'] },
  { id: 'python', aliases: ['Python', 'py'], extensions: ['.py', '.pyw'] },
  { id: 'java', aliases: ['Java', 'java'], extensions: ['.java', '.jav'] },
  { id: 'cpp', aliases: ['C++', 'Cpp', 'cpp'], extensions: ['.cpp', '.cc', '.hpp'] },
  { id: 'csharp', aliases: ['C#', 'csharp'], extensions: ['.cs', '.csx'] },
  { id: 'shell', aliases: ['Shell', 'sh'], extensions: ['.sh', '.bash'] },
  { id: 'yaml', aliases: ['YAML', 'yaml', 'YML', 'yml'], extensions: ['.yaml', '.yml'] },
  { id: 'go', aliases: ['Go'], extensions: ['.go'] },
  { id: 'rust', aliases: ['Rust', 'rust'], extensions: ['.rs', '.rlib'] },
];

describe('monacoLanguageFor', () => {
  it.each([
    ['ts', 'typescript'],
    ['TypeScript', 'typescript'],
    ['tsx', 'typescript'],
    ['jsx', 'javascript'],
    ['python', 'python'],
    ['py', 'python'],
    ['java', 'java'],
    ['c++', 'cpp'],
    ['C#', 'csharp'],
    ['bash', 'shell'],
    ['zsh', 'shell'],
    ['yml', 'yaml'],
    ['golang', 'go'],
    ['rs', 'rust'],
    ['language-python', 'python'],
    ['json', 'javascript'],
    ['text', 'plaintext'],
  ])('maps the fence tag %s to %s', (tag, id) => {
    expect(monacoLanguageFor(tag, null, languages)).toBe(id);
  });

  it('fallsBackToPlainTextForATagMonacoDoesNotKnow', () => {
    expect(monacoLanguageFor('brainfuck', null, languages)).toBe('plaintext');
    expect(monacoLanguageFor('', null, languages)).toBe('plaintext');
  });

  it('usesTheExtensionOfTheNamedFileWhenTheFenceHasNoLanguage', () => {
    expect(monacoLanguageFor('', 'src/dates.py', languages)).toBe('python');
    expect(monacoLanguageFor('', 'Makefile', languages)).toBe('plaintext');
    expect(monacoLanguageFor('java', 'notes.txt', languages)).toBe('java');
  });
});

const nb = '\u00a0';

describe('tokensFromColorizedHtml', () => {
  it('keepsMonacosTokenClassesOverTheCodesOwnText', () => {
    const code = 'const a = 1;\n\n\treturn a;';
    // What monaco.editor.colorize renders for it: tabs widened, spaces as no-break spaces.
    const html =
      `<span><span class="mtk8">const</span><span class="mtk1">${nb}a${nb}=${nb}</span>` +
      `<span class="mtk6">1</span><span class="mtk1">;</span></span><br/>` +
      `<span><span></span></span><br/>` +
      `<span><span class="mtk1">${nb.repeat(4)}</span><span class="mtk8">return</span>` +
      `<span class="mtk1">${nb}a;</span></span><br/>`;
    const lines = tokensFromColorizedHtml(html, code);
    expect(lines).toEqual([
      [
        { className: 'mtk8', text: 'const' },
        { className: 'mtk1', text: ' a = ' },
        { className: 'mtk6', text: '1' },
        { className: 'mtk1', text: ';' },
      ],
      [],
      [
        { className: 'mtk1', text: '\t' },
        { className: 'mtk8', text: 'return' },
        { className: 'mtk1', text: ' a;' },
      ],
    ]);
  });

  it('showsMarkupInTheCodeAsText', () => {
    const code = '<img src=x onerror=alert(1)>';
    const html =
      `<span><span class="mtk9">&lt;img</span><span class="mtk1">${nb}src=x${nb}onerror=alert(1)</span>` +
      `<span class="mtk9">&gt;</span></span><br/>`;
    const lines = tokensFromColorizedHtml(html, code);
    expect(lines?.flat().map((t) => t.text)).toEqual(['<img', ' src=x onerror=alert(1)', '>']);
  });

  it.each([
    ['an element that is not a token', '<span><img src=x onerror=alert(1)></span><br/>'],
    ['a bare element', '<img src=x onerror=alert(1)><br/>'],
    ['markup inside a token', '<span><span class="mtk1"><b>x</b></span></span><br/>'],
    ['a class that is not a token class', '<span><span class="mtk1 evil">x</span></span><br/>'],
    ['an attribute on a line', '<span onclick="alert(1)"><span class="mtk1">x</span></span>'],
    ['text other than the code', '<span><span class="mtk1">y</span></span><br/>'],
    ['a line too many', '<span><span class="mtk1">x</span></span><br/><span></span><br/>'],
  ])('refuses HTML with %s (the block stays plain)', (_, html) => {
    expect(tokensFromColorizedHtml(html, 'x')).toBeNull();
  });
});
