/**
 * Which byte source serves a URL, in any thread: core's http(s) provider, or one of the providers
 * passed in `byteSources`, rebuilt in worker threads from its origin.
 */
import { TesseraError } from '../errors.js';
import { importFromOrigin } from '../util/import-origin.js';
import type { ByteSource, ByteSourceOrigin, ByteSourceProvider } from './byte-source.js';
import { HTTP_SOURCE_NAME, httpSource } from './http-byte-source.js';

/** A provider as it crosses threads: its name, schemes and origin (JSON). */
export interface ProviderReference {
  name: string;
  protocols: string[];
  origin?: ByteSourceOrigin;
}

/** The provider for `url` among `providers` (then core's http(s)); E_REMOTE naming what to install otherwise. */
export function providerFor(url: string, providers: readonly ByteSourceProvider[]): ByteSourceProvider {
  const protocol = `${url.slice(0, url.indexOf(':')).toLowerCase()}:`;
  for (const provider of providers) {
    if (provider === null || typeof provider !== 'object' || typeof provider.open !== 'function' || !Array.isArray(provider.protocols)) {
      throw new TesseraError('E_ARGUMENT', `byteSources: expected byte-source providers (e.g. s3() from @tessera/s3), got ${JSON.stringify(provider)}`);
    }
    if (provider.specVersion !== 1) throw new TesseraError('E_ARGUMENT', `byteSources: provider ${provider.name} implements contract version ${String(provider.specVersion)}; this @tessera/core supports 1`);
    if (provider.protocols.includes(protocol)) return provider;
  }
  if (protocol === 'http:' || protocol === 'https:') return httpSource();
  const hint = protocol === 's3:' ? "install @tessera/s3 and pass it: openDataset(url, { byteSources: [s3()] })" : 'pass a byte-source provider for it in byteSources';
  throw new TesseraError('E_REMOTE', `no byte source reads ${protocol}// URLs (${url}): ${hint}`);
}

export function referenceOf(provider: ByteSourceProvider): ProviderReference {
  return { name: provider.name, protocols: [...provider.protocols], ...(provider.origin === undefined ? {} : { origin: provider.origin }) };
}

/** Opens `url` with the provider a reference describes (in a worker thread). */
export async function openFromReference(reference: ProviderReference, url: string): Promise<ByteSource> {
  if (reference.name === HTTP_SOURCE_NAME) {
    const headers = (reference.origin?.options as { headers?: Record<string, string> } | undefined)?.headers;
    return httpSource({ headers }).open(url);
  }
  if (reference.origin === undefined) {
    throw new TesseraError('E_ARGUMENT', `byte-source provider ${reference.name} has no origin, so worker threads cannot rebuild it (remote reads need one)`);
  }
  const provider = await importFromOrigin<ByteSourceProvider>(reference.origin as Parameters<typeof importFromOrigin>[0], reference.name);
  return provider.open(url);
}
