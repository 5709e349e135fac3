/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The Python server serves the build from src/visio/static (its `web_dir`), so
// the output lands there; `npm run build` then precompresses it (.gz, .br).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: '../src/visio/static',
    emptyOutDir: true,
    // Vite's default names are content-hashed (assets/index-3f2a1b.js), so the
    // server can cache everything under assets/ forever; index.html is not.
    assetsDir: 'assets',
  },
  server: {
    proxy: {
      // REST API and the signaling WebSocket both live under /api.
      '/api': { target: 'http://127.0.0.1:8000', ws: true },
      // Sign-in and sign-out (the identity provider comes back to /auth/… too).
      '/auth': { target: 'http://127.0.0.1:8000' },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    restoreMocks: true,
  },
});
