import { render, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { monaco } from '../../editor/monaco';
import { CodeBlock } from './AnswerParts';

// editor/monaco is the stand-in of src/test/fakeMonaco.ts: it renders HTML as Monaco does.
const hostile = '<img src=x onerror="window.pwned = true">\n<script>window.pwned = true</script>';

function codeOf(container: HTMLElement): HTMLElement {
  const code = container.querySelector('pre code');
  if (!(code instanceof HTMLElement)) throw new Error('no code element');
  return code;
}

describe('highlighted code blocks', () => {
  it('highlightsACompleteBlockWithMonacosTokenClasses', async () => {
    const { container } = render(
      <CodeBlock code={'const a = 1;\n\treturn a;'} info="ts" canEdit={false} onApply={() => {}} />,
    );
    await waitFor(() => {
      expect(container.querySelector('pre code span.mtk8')?.textContent).toBe('const');
    });
    expect(codeOf(container).textContent).toBe('const a = 1;\n\treturn a;');
  });

  it('rendersMarkupInTheModelsCodeAsText', async () => {
    const { container } = render(
      <CodeBlock code={hostile} info="html" canEdit={false} onApply={() => {}} />,
    );
    await waitFor(() => {
      expect(container.querySelector('pre code span.mtk1')).not.toBeNull();
    });
    expect(container.querySelector('img, script')).toBeNull();
    expect(codeOf(container).textContent).toBe(hostile);
    expect((window as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it('leavesTheBlockPlainWhenTheColorizerReturnsMarkup', async () => {
    const colorize = vi
      .spyOn(monaco.editor, 'colorize')
      .mockResolvedValue('<img src=x onerror="window.pwned = true"><br/>');
    const code = 'let b = 2';
    const { container } = render(
      <CodeBlock code={code} info="js" canEdit={false} onApply={() => {}} />,
    );
    await waitFor(() => {
      expect(colorize).toHaveBeenCalled();
    });
    // Give the rejected colours time to (not) arrive.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(container.querySelector('img, span')).toBeNull();
    expect(codeOf(container).textContent).toBe(code);
    expect((window as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it('colorsABlockOnceWhenItIsCompleteNotOnEveryToken', async () => {
    const colorize = vi.spyOn(monaco.editor, 'colorize');
    const block = (code: string, complete: boolean) => (
      <CodeBlock code={code} info="python" complete={complete} canEdit onApply={() => {}} />
    );
    const { container, rerender } = render(block('def f', false));
    rerender(block('def f():', false));
    rerender(block('def f():\n    return 1', false));
    expect(colorize).not.toHaveBeenCalled();
    expect(container.querySelector('pre code span')).toBeNull();

    rerender(block('def f():\n    return 1', true));
    await waitFor(() => {
      expect(container.querySelector('pre code span.mtk8')).not.toBeNull();
    });
    // The answer goes on below the block: the block re-renders unchanged.
    rerender(block('def f():\n    return 1', true));
    rerender(block('def f():\n    return 1', true));
    expect(colorize).toHaveBeenCalledTimes(1);
  });

  it('leavesCodeInALanguageMonacoDoesNotKnowPlain', async () => {
    const colorize = vi.spyOn(monaco.editor, 'colorize');
    const { container } = render(
      <CodeBlock code="+++ [>+<-]" info="brainfuck" canEdit={false} onApply={() => {}} />,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(colorize).not.toHaveBeenCalled();
    expect(codeOf(container).textContent).toBe('+++ [>+<-]');
  });
});
