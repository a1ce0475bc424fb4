import { readFileSync, readdirSync } from 'node:fs';
import * as multimodal from '@tessera/multimodal';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package hygiene', () => {
  it('is ESM with types first, built to one bundled file (the plugin origin)', () => {
    expect(packageJson.type).toBe('module');
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(packageJson.files).toContain('dist');
    expect(readdirSync(new URL('../dist/', import.meta.url)).filter((name) => name.endsWith('.js'))).toEqual(['index.js']);
    expect(multimodal.multimodalPlugin().origin).toEqual({ module: expect.stringMatching(/\/dist\/index\.js$/), exportName: 'multimodalPlugin' });
  });

  it('peer-depends on @tessera/core (video and audio optional, for the A/V ingest) and needs only @tessera/text', () => {
    expect(packageJson.peerDependencies).toEqual({ '@tessera/audio': 'workspace:^', '@tessera/core': 'workspace:^', '@tessera/video': 'workspace:^' });
    expect(packageJson.peerDependenciesMeta).toEqual({ '@tessera/audio': { optional: true }, '@tessera/video': { optional: true } });
    expect(Object.keys(packageJson.dependencies)).toEqual(['@tessera/text']);
  });

  it('names the plugin after the package', () => {
    const plugin = multimodal.multimodalPlugin();
    expect(plugin).toMatchObject({ specVersion: 1, name: packageJson.name, version: packageJson.version });
    expect(plugin.codecs.map((codec) => codec.id)).toEqual(['multimodal/timed-text', 'multimodal/interleaved']);
    expect(multimodal.multimodalPlugin()).toBe(plugin);
  });

  it('exports the public API', () => {
    expect(Object.keys(multimodal).sort()).toEqual(['buildAvDataset', 'documentLengths', 'interleaved', 'interleavedPipelines', 'listAvFolder', 'multimodalPlugin', 'parseSubtitles', 'readSubtitles', 'timedText']);
  });
});
