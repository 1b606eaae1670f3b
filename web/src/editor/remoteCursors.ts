import type { editor, IDisposable, IPosition } from 'monaco-editor/editor';
import type { PeerPresence } from '../sync/presence';
import { monaco } from './monaco';

const styled = new Set<string>();
let sheet: HTMLStyleElement | null = null;

/** The CSS class for a colour, defining its rules once. Colours are validated `#rrggbb`. */
function classFor(color: string): string {
  const hex = color.slice(1).toLowerCase();
  const name = `peer-${hex}`;
  if (!styled.has(hex)) {
    styled.add(hex);
    sheet ??= document.head.appendChild(document.createElement('style'));
    sheet.append(
      `.${name}-selection { background-color: #${hex}40; }\n` +
        `.${name}-caret { border-left: 2px solid #${hex}; }\n` +
        `.${name}-label { background-color: #${hex}; }\n`,
    );
  }
  return name;
}

interface Label extends editor.IContentWidget {
  node: HTMLElement;
  position: editor.IContentWidgetPosition;
}

/**
 * Draws other people's carets and selections in their colours, each caret with a name label,
 * as Monaco decorations and content widgets of one editor.
 */
export class RemoteCursors implements IDisposable {
  private readonly decorations: editor.IEditorDecorationsCollection;
  private readonly labels = new Map<string, Label>();

  constructor(private readonly view: editor.ICodeEditor) {
    this.decorations = view.createDecorationsCollection();
  }

  /** Shows exactly `peers` (those with a cursor in the model on screen). */
  update(peers: readonly PeerPresence[]): void {
    const model = this.view.getModel();
    const shown = model ? peers.filter((peer) => peer.cursor) : [];
    const decorations: editor.IModelDeltaDecoration[] = [];
    const seen = new Set<string>();
    for (const peer of shown) {
      if (!model || !peer.cursor) continue;
      const max = model.getValueLength();
      const anchor = model.getPositionAt(Math.min(peer.cursor.anchor, max));
      const head = model.getPositionAt(Math.min(peer.cursor.head, max));
      const name = classFor(peer.color);
      const [start, end] = anchor.isBefore(head) ? [anchor, head] : [head, anchor];
      if (!start.equals(end)) {
        decorations.push({
          range: monaco.Range.fromPositions(start, end),
          options: {
            className: `peer-selection ${name}-selection`,
            hoverMessage: { value: peer.name },
          },
        });
      }
      decorations.push({
        range: monaco.Range.fromPositions(head, head),
        options: {
          beforeContentClassName: `peer-caret ${name}-caret`,
          stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
        },
      });
      seen.add(peer.peerId);
      this.placeLabel(peer, head, `${name}-label`);
    }
    this.decorations.set(decorations);
    for (const [peerId, label] of this.labels) {
      if (seen.has(peerId)) continue;
      this.view.removeContentWidget(label);
      this.labels.delete(peerId);
    }
  }

  private placeLabel(peer: PeerPresence, head: IPosition, colorClass: string) {
    const position: editor.IContentWidgetPosition = {
      position: head,
      preference: [
        monaco.editor.ContentWidgetPositionPreference.ABOVE,
        monaco.editor.ContentWidgetPositionPreference.BELOW,
      ],
    };
    const existing = this.labels.get(peer.peerId);
    if (existing) {
      existing.position = position;
      existing.node.textContent = peer.name;
      existing.node.className = `peer-label ${colorClass}`;
      this.view.layoutContentWidget(existing);
      return;
    }
    const node = document.createElement('div');
    node.className = `peer-label ${colorClass}`;
    node.textContent = peer.name;
    node.dataset.peer = peer.userId;
    const label: Label = {
      node,
      position,
      getId: () => `ensemble.peer.${peer.peerId}`,
      getDomNode: () => node,
      getPosition: () => label.position,
    };
    this.labels.set(peer.peerId, label);
    this.view.addContentWidget(label);
  }

  dispose(): void {
    this.decorations.clear();
    for (const label of this.labels.values()) this.view.removeContentWidget(label);
    this.labels.clear();
  }
}
