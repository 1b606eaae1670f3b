import { initializeWasm } from '@automerge/automerge/slim';
import wasmUrl from '@automerge/automerge/automerge.wasm?url';

let loading: Promise<void> | undefined;

/**
 * Loads Automerge's WebAssembly once, from a file Vite emits next to the bundle (no base64
 * inlining, no top-level await). Everything that touches Automerge or a Repo awaits this first.
 */
export function automergeReady(): Promise<void> {
  loading ??= initializeWasm(wasmUrl).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
