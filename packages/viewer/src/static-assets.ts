import { readFileSync } from 'node:fs';

export interface StaticAsset {
  contentType: string;
  body: Buffer;
}

/** URL path → file in assets/. The only files the server ever serves: URLs are looked up here, never joined to a folder. */
const ASSET_FILES: Readonly<Record<string, { file: string; contentType: string }>> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/viewer.css': { file: 'viewer.css', contentType: 'text/css; charset=utf-8' },
  '/viewer.js': { file: 'viewer.js', contentType: 'text/javascript; charset=utf-8' },
};

/**
 * Reads the page's files once, at startup, from the package's assets/ folder (next to both src/ and
 * dist/, so the built package and the sources find it the same way).
 */
export function loadStaticAssets(): ReadonlyMap<string, StaticAsset> {
  const folder = new URL('../assets/', import.meta.url);
  const assets = new Map<string, StaticAsset>();
  for (const [path, { file, contentType }] of Object.entries(ASSET_FILES)) {
    assets.set(path, { contentType, body: readFileSync(new URL(file, folder)) });
  }
  return assets;
}
