// Bundles the Smart Forms entry (React) for the browser: bundle/smart-forms.js.
import { build } from 'esbuild';

await build({
  entryPoints: ['smart-forms-entry.jsx'],
  outfile: 'bundle/smart-forms.js',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  jsx: 'automatic',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.css': 'css' },
  logLevel: 'warning',
});
