import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The dev server forwards everything the backend owns, so the app runs same-origin as in production.
const backend = 'http://127.0.0.1:8080';
const backendPaths = ['/api', '/sync', '/health', '/ready', '/metrics'];

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(
      // /sync and the project live channel (/api/projects/{id}/live) are WebSockets.
      backendPaths.map((path) => [
        path,
        { target: backend, ws: path === '/sync' || path === '/api' },
      ]),
    ),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Monaco is one large chunk by nature; it loads only when a project's code view opens.
    chunkSizeWarningLimit: 4500,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    testTimeout: 20_000,
  },
});
