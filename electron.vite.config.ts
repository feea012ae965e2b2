// Build configuration for electron-vite: main process (app, CLI, worker process and store thread entries),
// sandboxed preload (CommonJS) and the React renderer. Output goes to out/{main,preload,renderer}.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = dirname(fileURLToPath(import.meta.url));
const at = (path: string): string => resolve(root, path);

export default defineConfig({
  main: {
    build: {
      // Every package.json "dependency" (better-sqlite3, bullmq, ioredis, systeminformation, ...)
      // stays an import from node_modules; native modules must never be bundled.
      externalizeDeps: true,
      outDir: at('out/main'),
      rolldownOptions: {
        input: {
          index: at('src/main/index.ts'),
          cli: at('src/main/cli.ts'),
          worker: at('src/main/worker.ts'),
          'store-thread': at('src/main/store-thread.ts'),
        },
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require node_modules and must be CommonJS: bundle everything.
      externalizeDeps: false,
      outDir: at('out/preload'),
      rolldownOptions: {
        input: { index: at('src/preload/index.ts') },
        output: {
          format: 'cjs',
          entryFileNames: '[name].cjs',
        },
      },
    },
  },
  renderer: {
    root: at('src/renderer'),
    plugins: [react()],
    build: {
      // electron-vite leaves the renderer unminified by default: 1.15 MB, 511 KB minified.
      minify: true,
      outDir: at('out/renderer'),
      rolldownOptions: {
        input: { index: at('src/renderer/index.html') },
      },
    },
  },
});
