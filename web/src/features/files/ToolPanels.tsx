import { useEffect, useState } from 'react';
import { onCodeActionRequest } from '../../editor/editorActions';
import { AssistantPanel } from '../ai/AssistantPanel';
import { SourceControlPanel } from '../git/SourceControlPanel';
import type { SourceControl } from '../git/useSourceControl';
import { RunPanel } from '../runs/RunPanel';
import { TerminalPanel } from '../terminal/TerminalPanel';

const TABS = ['Run', 'Terminal', 'Assistant', 'Source Control'] as const;
type Tab = (typeof TABS)[number];

interface ToolPanelsProps {
  projectId: string;
  canEdit: boolean;
  isOwner: boolean;
  /** The project's git state, shared with the file tree's badges. */
  git: SourceControl;
}

/**
 * The IDE's bottom panel: Run, Terminal, Assistant and Source Control. Run, Terminal and Assistant
 * stay mounted so switching keeps their state (and the terminal keeps following its output).
 */
export function ToolPanels({ projectId, canEdit, isOwner, git }: ToolPanelsProps) {
  const changeCount = git.changes.length;
  const [tab, setTab] = useState<Tab>('Run');
  // A code action chosen in the editor answers in the Assistant panel.
  useEffect(
    () =>
      onCodeActionRequest(() => {
        setTab('Assistant');
      }),
    [],
  );
  return (
    <section className="tool-panels" aria-label="Tools">
      <div className="tool-tabs" role="tablist" aria-label="Tool panels">
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`tool-tab-${name.replace(' ', '-')}`}
            aria-selected={tab === name}
            aria-controls={`tool-panel-${name.replace(' ', '-')}`}
            className="tool-tab"
            onClick={() => {
              setTab(name);
            }}
          >
            {name}
            {name === 'Source Control' && changeCount > 0 && (
              <span className="tool-tab-count" title={`${changeCount} changed`}>
                {changeCount}
              </span>
            )}
          </button>
        ))}
      </div>
      <div
        className="tool-panel"
        role="tabpanel"
        id="tool-panel-Run"
        aria-labelledby="tool-tab-Run"
        hidden={tab !== 'Run'}
      >
        <RunPanel projectId={projectId} canEdit={canEdit} />
      </div>
      <div
        className="tool-panel"
        role="tabpanel"
        id="tool-panel-Terminal"
        aria-labelledby="tool-tab-Terminal"
        hidden={tab !== 'Terminal'}
      >
        <TerminalPanel canEdit={canEdit} />
      </div>
      <div
        className="tool-panel"
        role="tabpanel"
        id="tool-panel-Assistant"
        aria-labelledby="tool-tab-Assistant"
        hidden={tab !== 'Assistant'}
      >
        <AssistantPanel projectId={projectId} canEdit={canEdit} isOwner={isOwner} />
      </div>
      {tab === 'Source Control' && (
        <div
          className="tool-panel"
          role="tabpanel"
          id="tool-panel-Source-Control"
          aria-labelledby="tool-tab-Source-Control"
        >
          <SourceControlPanel git={git} canEdit={canEdit} isOwner={isOwner} />
        </div>
      )}
    </section>
  );
}
