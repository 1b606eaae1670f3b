import { describe, expect, it } from 'vitest';
import { buildFileTree, movesFor, pathProblem, pathsUnder } from './fileTree';

describe('file tree', () => {
  it('nests paths into folders, folders first, names in natural order', () => {
    const tree = buildFileTree([
      'src/app/main.py',
      'README.md',
      'src/util.py',
      'file10.txt',
      'file2.txt',
      'docs/a.md',
    ]);

    expect(tree.map((n) => `${n.type}:${n.path}`)).toEqual([
      'folder:docs',
      'folder:src',
      'file:file2.txt',
      'file:file10.txt',
      'file:README.md',
    ]);
    const src = tree[1];
    expect(src?.type === 'folder' && src.children.map((n) => `${n.type}:${n.path}`)).toEqual([
      'folder:src/app',
      'file:src/util.py',
    ]);
  });

  it('gives an empty tree for no files', () => {
    expect(buildFileTree([])).toEqual([]);
  });

  it('refuses paths that are empty, absolute, climb out, or clash', () => {
    const existing = ['src/main.py', 'README.md'];
    expect(pathProblem('', existing)).toMatch(/Enter/);
    expect(pathProblem('/etc/passwd', existing)).toMatch(/relative/);
    expect(pathProblem('a//b', existing)).toMatch(/empty/);
    expect(pathProblem('../x', existing)).toMatch(/“\.\.”/);
    expect(pathProblem('README.md', existing)).toMatch(/already exists/);
    expect(pathProblem('src', existing)).toMatch(/folder/);
    expect(pathProblem('README.md/x', existing)).toMatch(/is a file/);
    expect(pathProblem('a\tb', existing)).toMatch(/control/);
    expect(pathProblem('src/new 😀.py', existing)).toBeNull();
  });

  it('moves a folder with everything in it, and deletes likewise', () => {
    const paths = ['src/a.py', 'src/lib/b.py', 'srcx/c.py', 'top.py'];
    expect(movesFor('src', 'app', paths)).toEqual([
      ['src/a.py', 'app/a.py'],
      ['src/lib/b.py', 'app/lib/b.py'],
    ]);
    expect(movesFor('top.py', 'src/top.py', paths)).toEqual([['top.py', 'src/top.py']]);
    expect(pathsUnder('src', paths)).toEqual(['src/a.py', 'src/lib/b.py']);
  });
});
