import { existsSync, readFileSync } from 'node:fs';
import * as image from '@tessera/image';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package hygiene', () => {
  it('ESM with types first; one bundled entry (the origin of the plugin and of every operation)', () => {
    expect(packageJson.type).toBe('module');
    expect(Object.keys(packageJson.exports['.'])).toEqual(['types', 'import']);
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(image.imagePlugin().origin).toEqual({ module: expect.stringMatching(/\/dist\/index\.js$/), exportName: 'imagePlugin' });
    expect(packageJson.files).toEqual(expect.arrayContaining(['dist', 'native', 'scripts', 'binding.gyp']));
  });

  it('peer-depends on @tessera/core; sharp and WebAssembly libjpeg-turbo are its own; the native library is optional', () => {
    expect(packageJson.peerDependencies).toEqual({ '@tessera/core': 'workspace:^' });
    expect(Object.keys(packageJson.dependencies).sort()).toEqual(['@cwasm/jpeg-turbo', 'sharp']);
    expect(Object.keys(packageJson.optionalDependencies)).toEqual(['@julusian/jpeg-turbo']);
    expect(packageJson.scripts.install).toBe('node scripts/build-native.mjs');
  });

  it('uses the native JPEG backend whenever its addon was built (a broken libturbojpeg lookup must not hide)', () => {
    const status = image.jpegBackendStatus();
    if (existsSync(new URL('../build/Release/tessera_jpeg.node', import.meta.url)) && process.platform === 'linux') {
      expect(status.tried).toEqual([]);
      expect(status.backend.name).toBe('native');
    } else {
      expect(status.backend.name).toBe('wasm');
      expect(status.tried[0]!.error).toMatch(/.+/);
    }
  });

  it('is named and versioned after its package', () => {
    expect(image.imagePlugin()).toMatchObject({ specVersion: 1, name: '@tessera/image', version: packageJson.version });
    expect(image.imagePlugin().codecs.map((codec) => [codec.id, codec.typeId ?? 255])).toEqual([['image/rgb', 2], ['image/gray', 255]]);
  });

  it('exports the fields, decoders helpers, transforms, ingest and backend report', () => {
    expect(Object.keys(image).sort()).toEqual([
      'DEFAULT_CROP_RATIO',
      'IMAGENET_MEAN',
      'IMAGENET_STD',
      'JPEG_DCT_SCALING',
      'JPEG_FAST_DCT',
      'buildImageFolderDataset',
      'centerCrop',
      'colorJitter',
      'cutout',
      'fallbackCrop',
      'grayImage',
      'grayImageCodec',
      'grayscale',
      'imagePlugin',
      'jpegBackend',
      'jpegBackendStatus',
      'listImageFolder',
      'mixUp',
      'normalize',
      'randomHorizontalFlip',
      'randomResizedCrop',
      'randomTranslate',
      'rgbImage',
      'rgbImageCodec',
      'roundHalfEven',
      'toCHW',
    ]);
  });
});
