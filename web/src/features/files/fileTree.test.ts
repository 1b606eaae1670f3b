import { describe, expect, it } from 'vitest';
import {
  buildFileTree,
  movesFor,
  parentOf,
  pathProblem,
  pathsUnder,
  planDrop,
  planUpload,
} from './fileTree';

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

  it('drags a file or a whole folder into another folder or to the top level', () => {
    const paths = ['src/a.py', 'src/lib/b.py', 'docs/readme.md', 'top.py'];
    expect(planDrop('top.py', 'src/lib', paths)).toEqual({
      kind: 'move',
      moves: [['top.py', 'src/lib/top.py']],
    });
    expect(planDrop('src/lib', '', paths)).toEqual({
      kind: 'move',
      moves: [['src/lib/b.py', 'lib/b.py']],
    });
    expect(planDrop('src', 'docs', paths)).toEqual({
      kind: 'move',
      moves: [
        ['src/a.py', 'docs/src/a.py'],
        ['src/lib/b.py', 'docs/src/lib/b.py'],
      ],
    });
    expect(parentOf('src/lib/b.py')).toBe('src/lib');
    expect(parentOf('top.py')).toBe('');
  });

  it('does nothing for a drop where the file already is, and refuses moves into itself', () => {
    const paths = ['src/a.py', 'src/lib/b.py'];
    expect(planDrop('src/a.py', 'src', paths)).toEqual({ kind: 'none' });
    expect(planDrop('src/lib', 'src', paths)).toEqual({ kind: 'none' });
    expect(planDrop('src', 'src/lib', paths)).toMatchObject({
      kind: 'refused',
      problem: expect.stringMatching(/into itself/) as unknown,
    });
    expect(planDrop('src', 'src', paths)).toMatchObject({ kind: 'refused' });
    expect(planDrop('gone.py', 'src', paths)).toMatchObject({ kind: 'refused' });
  });

  it('explains a clash before moving anything', () => {
    const paths = ['a/x.py', 'b/x.py', 'src/util.py', 'lib/src/other.py'];
    expect(planDrop('a/x.py', 'b', paths)).toEqual({
      kind: 'refused',
      problem: 'A file “b/x.py” already exists.',
    });
    expect(planDrop('src', 'lib', paths)).toMatchObject({
      kind: 'refused',
      problem: expect.stringMatching(/folder “lib\/src” already exists/) as unknown,
    });
  });

  it('plans uploads into a folder, marking replacements and refusing clashes', () => {
    const paths = ['docs/readme.md', 'docs/guide', 'src/main.py'];
    const file = (relativePath: string) => ({ relativePath, size: 1 });
    const plan = planUpload(
      [
        file('readme.md'),
        file('new.txt'),
        file('guide/intro.md'),
        file('img/logo.png'),
        file('new.txt'),
      ],
      'docs',
      paths,
    );
    expect(plan.uploads.map(({ path, replaces }) => [path, replaces])).toEqual([
      ['docs/readme.md', true],
      ['docs/new.txt', false],
      ['docs/img/logo.png', false],
    ]);
    expect(plan.refused).toEqual([
      { name: 'guide/intro.md', problem: '“docs/guide” is a file, not a folder.' },
    ]);
    expect(planUpload([file('src')], '', paths).refused[0]?.problem).toMatch(/folder/);
  });
});
