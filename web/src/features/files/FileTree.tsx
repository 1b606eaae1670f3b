import { useId, useState, type DragEvent } from 'react';
import type { PeerPresence } from '../../sync/presence';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { BADGE_NAMES, folderChanged, type GitBadge } from '../git/gitChanges';
import { parentOf, pathProblem, pathsUnder, type TreeNode } from './fileTree';

/** The drag data type of a file or folder dragged inside the tree (its path). */
const PATH_TYPE = 'application/x-ensemble-path';

export interface FileTreeProps {
  nodes: readonly TreeNode[];
  paths: readonly string[];
  activePath: string | null;
  canEdit: boolean;
  /** Who has which file open, for the small avatars next to file names. */
  peopleByFile: ReadonlyMap<string, readonly PeerPresence[]>;
  /** Files git sees as changed, with their badge (from the project's git status). */
  gitBadges?: ReadonlyMap<string, GitBadge>;
  onOpen: (path: string) => void;
  onCreate: (path: string) => void;
  onMove: (from: string, to: string) => void;
  onDelete: (path: string) => void;
  /** A file or folder of the tree was dropped onto `folder` ("" for the top level). */
  onDropPath?: (source: string, folder: string) => void;
  /** Files from the desktop were dropped onto `folder`; read `data` before returning. */
  onDropFiles?: (data: DataTransfer, folder: string) => void;
  /** Files were picked with the Upload button, for the top level. */
  onPickFiles?: (files: FileList) => void;
}

/** Drop handling shared by the rows and the tree's background (the top level). */
interface DropZone {
  target: string | null;
  over: (event: DragEvent, folder: string) => void;
  drop: (event: DragEvent, folder: string) => void;
  leave: () => void;
}

/**
 * The project's files as nested folders. Every action is a button, so the whole tree works from
 * the keyboard; folders expand and collapse, files open in a tab.
 */
export function FileTree(props: FileTreeProps) {
  const { nodes, paths, canEdit, onCreate } = props;
  const [creating, setCreating] = useState(false);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [deleting, setDeleting] = useState<string | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const dropZone: DropZone | null = !canEdit
    ? null
    : {
        target: dropTarget,
        over: (event, folder) => {
          const types = event.dataTransfer.types;
          const internal = types.includes(PATH_TYPE);
          if (!internal && !types.includes('Files')) return;
          event.preventDefault();
          event.stopPropagation();
          event.dataTransfer.dropEffect = internal ? 'move' : 'copy';
          setDropTarget(folder);
        },
        drop: (event, folder) => {
          event.preventDefault();
          event.stopPropagation();
          setDropTarget(null);
          const source = event.dataTransfer.getData(PATH_TYPE);
          if (source) props.onDropPath?.(source, folder);
          else if (event.dataTransfer.types.includes('Files')) {
            props.onDropFiles?.(event.dataTransfer, folder);
          }
        },
        leave: () => {
          setDropTarget(null);
        },
      };

  const toggle = (path: string) => {
    setCollapsed((current) => {
      const next = new Set(current);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  };

  return (
    <div
      className={`file-tree${dropTarget === '' ? ' drop-target' : ''}`}
      onDragOver={(event) => dropZone?.over(event, '')}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) dropZone?.leave();
      }}
      onDrop={(event) => dropZone?.drop(event, '')}
    >
      <div className="file-tree-header">
        <h2 id="files-heading">Files</h2>
        {canEdit && !creating && (
          <span className="file-tree-buttons">
            <button
              type="button"
              className="button button-small"
              onClick={() => {
                setCreating(true);
              }}
            >
              New file
            </button>
            {props.onPickFiles && (
              <label className="button button-small" title="Upload files (or drop them here)">
                Upload
                <input
                  type="file"
                  multiple
                  className="visually-hidden"
                  aria-label="Upload files"
                  onChange={(event) => {
                    const files = event.currentTarget.files;
                    if (files && files.length > 0) props.onPickFiles?.(files);
                    event.currentTarget.value = '';
                  }}
                />
              </label>
            )}
          </span>
        )}
      </div>
      {creating && (
        <PathForm
          label="New file path"
          submitLabel="Create"
          initial=""
          existing={paths}
          onSubmit={(path) => {
            onCreate(path);
            setCreating(false);
          }}
          onCancel={() => {
            setCreating(false);
          }}
        />
      )}
      {nodes.length === 0 ? (
        <p className="muted file-tree-empty">
          No files yet.{canEdit ? ' Create one, or drop files here, to start.' : ''}
        </p>
      ) : (
        <ul className="tree" aria-labelledby="files-heading">
          {nodes.map((node) => (
            <TreeItem
              key={node.path}
              node={node}
              depth={0}
              tree={props}
              collapsed={collapsed}
              onToggle={toggle}
              onAskDelete={setDeleting}
              dropZone={dropZone}
            />
          ))}
        </ul>
      )}
      {canEdit && nodes.length > 0 && (
        <p className="muted file-tree-hint">
          Drag files onto a folder to move them, or drop files from your computer to upload.
        </p>
      )}
      {deleting !== null && (
        <ConfirmDialog
          title={`Delete “${deleting}”?`}
          confirmLabel="Delete"
          onConfirm={() => {
            props.onDelete(deleting);
            return Promise.resolve();
          }}
          onClose={() => {
            setDeleting(null);
          }}
        >
          <p>
            {pathsUnder(deleting, paths).length > 1
              ? `The folder and its ${pathsUnder(deleting, paths).length} files are removed for everyone.`
              : 'The file is removed for everyone.'}
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

interface TreeItemProps {
  node: TreeNode;
  depth: number;
  tree: FileTreeProps;
  collapsed: ReadonlySet<string>;
  onToggle: (path: string) => void;
  onAskDelete: (path: string) => void;
  dropZone: DropZone | null;
}

function TreeItem({
  node,
  depth,
  tree,
  collapsed,
  onToggle,
  onAskDelete,
  dropZone,
}: TreeItemProps) {
  const [renaming, setRenaming] = useState(false);
  const indent = { paddingInlineStart: `${0.5 + depth * 0.9}rem` };
  const open = node.type === 'folder' && !collapsed.has(node.path);
  const people = node.type === 'file' ? (tree.peopleByFile.get(node.path) ?? []) : [];
  const badges = tree.gitBadges;
  const badge = node.type === 'file' ? badges?.get(node.path) : undefined;
  const changedInside =
    node.type === 'folder' && badges !== undefined && folderChanged(node.path, badges);
  // Dropping onto a file means into the folder it is in.
  const dropFolder = node.type === 'folder' ? node.path : parentOf(node.path);
  const dropping = node.type === 'folder' && dropZone?.target === node.path;

  if (renaming) {
    return (
      <li style={indent}>
        <PathForm
          label={`New path for ${node.path}`}
          submitLabel="Rename"
          initial={node.path}
          existing={tree.paths.filter((p) => !pathsUnder(node.path, tree.paths).includes(p))}
          onSubmit={(path) => {
            if (path !== node.path) tree.onMove(node.path, path);
            setRenaming(false);
          }}
          onCancel={() => {
            setRenaming(false);
          }}
        />
      </li>
    );
  }

  return (
    <li>
      <div
        className={`tree-row${node.path === tree.activePath ? ' tree-row-active' : ''}${dropping ? ' drop-target' : ''}`}
        style={indent}
        data-path={node.path}
        draggable={dropZone !== null}
        onDragStart={(event) => {
          event.dataTransfer.setData(PATH_TYPE, node.path);
          event.dataTransfer.setData('text/plain', node.path);
          event.dataTransfer.effectAllowed = 'move';
        }}
        onDragOver={(event) => dropZone?.over(event, dropFolder)}
        onDrop={(event) => dropZone?.drop(event, dropFolder)}
      >
        {node.type === 'folder' ? (
          <button
            type="button"
            className="tree-item"
            aria-expanded={open}
            onClick={() => {
              onToggle(node.path);
            }}
          >
            <span aria-hidden="true" className="tree-icon">
              {open ? '▾' : '▸'}
            </span>
            {node.name}
            {changedInside && (
              <span className="tree-git tree-git-folder" title="contains changes">
                <span aria-hidden="true">•</span>
                <span className="visually-hidden">, contains changes</span>
              </span>
            )}
          </button>
        ) : (
          <button
            type="button"
            className="tree-item"
            aria-current={node.path === tree.activePath ? 'true' : undefined}
            title={node.path}
            onClick={() => {
              tree.onOpen(node.path);
            }}
          >
            <span aria-hidden="true" className="tree-icon">
              ·
            </span>
            {node.name}
            {people.length > 0 && (
              <span className="tree-people">
                {people.map((person) => (
                  <span
                    key={person.userId}
                    className="tree-person"
                    style={{ backgroundColor: person.color }}
                    title={person.name}
                  />
                ))}
                <span className="visually-hidden">
                  {`, open by ${people.map((person) => person.name).join(', ')}`}
                </span>
              </span>
            )}
            {badge && (
              <span className={`tree-git git-badge-${badge}`} title={BADGE_NAMES[badge]}>
                <span aria-hidden="true">{badge}</span>
                <span className="visually-hidden">{`, ${BADGE_NAMES[badge]}`}</span>
              </span>
            )}
          </button>
        )}
        {tree.canEdit && (
          <span className="tree-actions">
            <button
              type="button"
              className="icon-button"
              aria-label={`Rename ${node.path}`}
              title="Rename"
              onClick={() => {
                setRenaming(true);
              }}
            >
              ✎
            </button>
            <button
              type="button"
              className="icon-button"
              aria-label={`Delete ${node.path}`}
              title="Delete"
              onClick={() => {
                onAskDelete(node.path);
              }}
            >
              ×
            </button>
          </span>
        )}
      </div>
      {node.type === 'folder' && open && (
        <ul>
          {node.children.map((child) => (
            <TreeItem
              key={child.path}
              node={child}
              depth={depth + 1}
              tree={tree}
              collapsed={collapsed}
              onToggle={onToggle}
              onAskDelete={onAskDelete}
              dropZone={dropZone}
            />
          ))}
        </ul>
      )}
    </li>
  );
}

interface PathFormProps {
  label: string;
  submitLabel: string;
  initial: string;
  existing: readonly string[];
  onSubmit: (path: string) => void;
  onCancel: () => void;
}

/** A one-field form for a file path, checked before it is sent; Escape cancels. */
function PathForm({ label, submitLabel, initial, existing, onSubmit, onCancel }: PathFormProps) {
  const id = useId();
  const [path, setPath] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = () => {
    const trimmed = path.trim();
    if (trimmed === initial && initial) {
      onCancel();
      return;
    }
    const found = pathProblem(trimmed, existing);
    if (found) {
      setProblem(found);
      return;
    }
    onSubmit(trimmed);
  };

  return (
    <form
      className="path-form"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={path}
        // The form appears because the user asked for it; the field is where they type next.
        autoFocus
        spellCheck={false}
        autoComplete="off"
        placeholder="src/main.py"
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(event) => {
          setPath(event.target.value);
          setProblem(null);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Escape') onCancel();
        }}
      />
      {problem && (
        <p className="field-error" id={`${id}-problem`} role="alert">
          {problem}
        </p>
      )}
      <div className="actions actions-start">
        <button type="submit" className="button button-primary button-small">
          {submitLabel}
        </button>
        <button type="button" className="button button-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
