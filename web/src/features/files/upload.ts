import { ApiError, CSRF_COOKIE, CSRF_HEADER, fileUrl, readCookie } from '../../api/client';
import type { UploadCandidate } from './fileTree';

/** Most files one pick or drop may upload, so that a dropped home folder is refused, not sent. */
export const MAX_UPLOAD_FILES = 500;

/** A file from the desktop with its path relative to the drop (inside a dropped folder). */
export interface PickedFile extends UploadCandidate {
  file: File;
}

/**
 * Sends `file` as the raw body of `PUT /api/projects/{id}/files/{path}`; the server decides
 * whether it is text or binary. XMLHttpRequest rather than fetch because only it reports upload
 * progress. Rejects with an {@link ApiError} carrying the server's message (413 for too large).
 */
export function uploadFile(
  projectId: string,
  path: string,
  file: Blob,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', fileUrl(projectId, path));
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) xhr.setRequestHeader(CSRF_HEADER, csrf);
    xhr.upload.onprogress = (event) => {
      onProgress(event.loaded);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(errorOf(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => {
      reject(new ApiError(0, 'network_error', 'The upload did not reach the server. Try again.'));
    };
    xhr.onabort = () => {
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
    };
    if (signal.aborted) {
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
      return;
    }
    signal.addEventListener('abort', () => {
      xhr.abort();
    });
    xhr.send(file);
  });
}

function errorOf(status: number, body: string): ApiError {
  try {
    const parsed: unknown = JSON.parse(body);
    const error =
      typeof parsed === 'object' && parsed !== null && 'error' in parsed ? parsed.error : null;
    if (typeof error === 'object' && error !== null && 'message' in error) {
      const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
      if (typeof error.message === 'string') return new ApiError(status, code, error.message);
    }
  } catch {
    // Not JSON: a proxy's page, say. Fall through to a message of our own.
  }
  return new ApiError(status, `http_${status}`, `The upload failed (HTTP ${status}).`);
}

/** The files of a file input, each at the top of the folder it is uploaded into. */
export function pickedFiles(files: FileList | readonly File[]): PickedFile[] {
  return [...files].map((file) => ({ file, relativePath: file.name, size: file.size }));
}

/**
 * The files dropped from the desktop, descending into dropped folders (keeping their structure)
 * up to {@link MAX_UPLOAD_FILES}. Must be called during the drop event: the browser empties the
 * DataTransfer once the handler returns.
 */
export function droppedFiles(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry());
  if (entries.some((entry) => entry === null)) {
    return Promise.resolve(pickedFiles(data.files));
  }
  return collect(entries.filter((entry): entry is FileSystemEntry => entry !== null));
}

async function collect(roots: FileSystemEntry[]): Promise<PickedFile[]> {
  const found: PickedFile[] = [];
  const queue: { entry: FileSystemEntry; prefix: string }[] = roots.map((entry) => ({
    entry,
    prefix: '',
  }));
  while (queue.length > 0) {
    const next = queue.shift();
    if (!next) break;
    const { entry, prefix } = next;
    const relativePath = prefix + entry.name;
    if (isFile(entry)) {
      if (found.length >= MAX_UPLOAD_FILES) {
        throw new Error(`A drop may hold at most ${MAX_UPLOAD_FILES} files.`);
      }
      const file = await new Promise<File>((resolve, reject) => {
        entry.file(resolve, reject);
      });
      found.push({ file, relativePath, size: file.size });
    } else if (isDirectory(entry)) {
      for (const child of await readAll(entry)) {
        queue.push({ entry: child, prefix: relativePath + '/' });
      }
    }
  }
  return found;
}

const isFile = (entry: FileSystemEntry): entry is FileSystemFileEntry => entry.isFile;
const isDirectory = (entry: FileSystemEntry): entry is FileSystemDirectoryEntry =>
  entry.isDirectory;

/** Every entry of a folder: the browser hands them out in batches until one comes back empty. */
async function readAll(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => {
      reader.readEntries(resolve, reject);
    });
    if (batch.length === 0) return all;
    all.push(...batch);
    if (all.length > MAX_UPLOAD_FILES) {
      throw new Error(`A drop may hold at most ${MAX_UPLOAD_FILES} files.`);
    }
  }
}
