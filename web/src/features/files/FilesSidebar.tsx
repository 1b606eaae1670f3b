import { useState } from 'react';
import { api, toApiError } from '../../api/client';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import type { LineMatch } from './fileSearch';
import { planDrop, planUpload, type FileEntry } from './fileTree';
import { FileTree, type FileTreeProps } from './FileTree';
import { SearchPanel } from './SearchPanel';
import { droppedFiles, pickedFiles, type PickedFile } from './upload';
import { useUploads, type Upload } from './useUploads';

type View = 'files' | 'search';

interface Notice {
  kind: 'info' | 'error';
  text: string;
}

export interface FilesSidebarProps {
  projectId: string;
  files: Readonly<Record<string, FileEntry>>;
  tree: Omit<FileTreeProps, 'onDropPath' | 'onDropFiles' | 'onPickFiles'>;
  /** Files that moved on the server, as [old, new] pairs (open tabs follow them). */
  onMoved: (moves: [string, string][]) => void;
  onOpenMatch: (path: string, match: LineMatch) => void;
}

/**
 * The IDE's left side: the file tree (with upload and drag-and-drop moves through the files
 * API) and find in files.
 */
export function FilesSidebar({ projectId, files, tree, onMoved, onOpenMatch }: FilesSidebarProps) {
  const [view, setView] = useState<View>('files');
  const [notice, setNotice] = useState<Notice | null>(null);
  const [replacing, setReplacing] = useState<{ path: string; file: PickedFile }[] | null>(null);
  const { uploads, start, clear } = useUploads(projectId);

  const moveInto = async (source: string, folder: string) => {
    const plan = planDrop(source, folder, tree.paths);
    if (plan.kind === 'none') return;
    if (plan.kind === 'refused') {
      setNotice({ kind: 'error', text: `“${source}” was not moved. ${plan.problem}` });
      return;
    }
    const where = folder ? `“${folder}”` : 'the top level';
    setNotice({ kind: 'info', text: `Moving “${source}” to ${where}…` });
    const done: [string, string][] = [];
    try {
      for (const [from, to] of plan.moves) {
        await api.files.move(projectId, from, to);
        done.push([from, to]);
      }
      setNotice({ kind: 'info', text: `Moved “${source}” to ${where}.` });
    } catch (error) {
      const failed = plan.moves[done.length];
      const apiError = toApiError(error);
      const why =
        apiError.status === 409 && failed
          ? `“${failed[1]}” already exists — someone may have just created it.`
          : apiError.status === 404 && failed
            ? `“${failed[0]}” is no longer there — someone may have moved or deleted it.`
            : apiError.message;
      const partly =
        done.length > 0 ? ` ${done.length} of ${plan.moves.length} files were moved.` : '';
      setNotice({ kind: 'error', text: `“${source}” was not moved: ${why}${partly}` });
    } finally {
      if (done.length > 0) onMoved(done);
    }
  };

  const upload = (picked: PickedFile[], folder: string) => {
    const plan = planUpload(picked, folder, tree.paths);
    setNotice(
      plan.refused.length === 0
        ? null
        : {
            kind: 'error',
            text: `Not uploaded: ${plan.refused.map((r) => `${r.name} (${r.problem})`).join('; ')}`,
          },
    );
    const uploads = plan.uploads.map(({ path, file }) => ({ path, file }));
    if (plan.uploads.some((u) => u.replaces)) setReplacing(uploads);
    else start(uploads.map(({ path, file }) => ({ path, file: file.file })));
  };

  return (
    <>
      <div className="sidebar-tabs" role="tablist" aria-label="Side bar">
        {(['files', 'search'] as const).map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            className="tool-tab"
            aria-selected={view === name}
            onClick={() => {
              setView(name);
            }}
          >
            {name === 'files' ? 'Files' : 'Search'}
          </button>
        ))}
      </div>
      <div hidden={view !== 'files'}>
        {notice && (
          <p
            className={
              notice.kind === 'error' ? 'alert alert-error tree-notice' : 'muted tree-notice'
            }
            role={notice.kind === 'error' ? 'alert' : 'status'}
          >
            {notice.text}{' '}
            <button
              type="button"
              className="icon-button"
              aria-label="Dismiss"
              onClick={() => {
                setNotice(null);
              }}
            >
              ×
            </button>
          </p>
        )}
        <UploadList uploads={uploads} onClear={clear} />
        <FileTree
          {...tree}
          onDropPath={(source, folder) => {
            void moveInto(source, folder);
          }}
          onDropFiles={(data, folder) => {
            droppedFiles(data).then(
              (picked) => {
                upload(picked, folder);
              },
              (error: unknown) => {
                setNotice({ kind: 'error', text: toApiError(error).message });
              },
            );
          }}
          onPickFiles={(list) => {
            upload(pickedFiles(list), '');
          }}
        />
      </div>
      {view === 'search' && (
        <SearchPanel projectId={projectId} files={files} onOpenMatch={onOpenMatch} />
      )}
      {replacing !== null && (
        <ConfirmDialog
          title="Replace existing files?"
          confirmLabel="Replace"
          onConfirm={() => {
            start(replacing.map(({ path, file }) => ({ path, file: file.file })));
            return Promise.resolve();
          }}
          onClose={() => {
            setReplacing(null);
          }}
        >
          <p>These files already exist; their content is replaced for everyone:</p>
          <ul>
            {replacing
              .filter(({ path }) => path in files)
              .map(({ path }) => (
                <li key={path}>{path}</li>
              ))}
          </ul>
        </ConfirmDialog>
      )}
    </>
  );
}

/** Progress of the uploads under way, and what became of the finished ones. */
function UploadList({ uploads, onClear }: { uploads: readonly Upload[]; onClear: () => void }) {
  if (uploads.length === 0) return null;
  const active = uploads.some((u) => u.status === 'queued' || u.status === 'uploading');
  return (
    <section className="upload-list" aria-label="Uploads">
      <ul>
        {uploads.map((upload) => (
          <li key={upload.id} className={`upload upload-${upload.status}`}>
            <span className="upload-path" title={upload.path}>
              {upload.path}
            </span>
            {upload.status === 'uploading' && (
              <progress
                value={upload.loaded}
                max={Math.max(upload.size, 1)}
                aria-label={`Uploading ${upload.path}`}
              />
            )}
            <span className="upload-state">{stateText(upload)}</span>
          </li>
        ))}
      </ul>
      {!active && (
        <button type="button" className="button button-small" onClick={onClear}>
          Clear
        </button>
      )}
    </section>
  );
}

function stateText(upload: Upload): string {
  switch (upload.status) {
    case 'queued':
      return 'Waiting…';
    case 'uploading':
      return `${Math.floor((100 * upload.loaded) / Math.max(upload.size, 1))}%`;
    case 'done':
      return 'Uploaded';
    case 'failed':
      return `Failed: ${upload.error ?? 'unknown error'}`;
  }
}
