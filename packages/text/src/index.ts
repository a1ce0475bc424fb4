export { textPlugin } from './text-plugin.js';
export type { TextPluginOptions } from './text-plugin.js';
export { hierarchicalText, packedTokens, rawText, tokens } from './field-specs.js';
export type { HierarchicalTextOptions, PackedTokensOptions, TokenSourceOptions, TokensOptions } from './field-specs.js';

export type { RawTextArguments } from './fields/raw-text-codec.js';
export type { TokensArguments, TokensValue } from './fields/tokens-codec.js';
export type { PackedChunk, PackedTokensArguments, PackedWindowRow, StoredPackedChunk } from './fields/packed-tokens-codec.js';
export { PACKED_WINDOW_ROWS } from './fields/packed-tokens-codec.js';
export type { HierarchicalTextArguments, HierarchicalTextValue, StoredHierarchicalText } from './fields/hierarchical-text-codec.js';
export type { StoredTokenIds, TokenIdsInput } from './fields/token-ids.js';
export { splitDocument, splitSentences } from './fields/split-document.js';

export { identifyTokenizer, loadTokenizer } from './tokenizer/load-tokenizer.js';
export type { TextTokenizer } from './tokenizer/load-tokenizer.js';
export type { TokenDType, TokenizerIdentity } from './tokenizer/tokenizer-identity.js';
export { tokenDTypeFor } from './tokenizer/tokenizer-identity.js';
export { TokenizerMismatchError } from './tokenizer/tokenizer-mismatch-error.js';

export { packedWindowPipeline, splitPackedWindow } from './operations/split-packed-window.js';
export type { PackedWindowOptions } from './operations/split-packed-window.js';
export { padToLongest, paddedToLongest } from './operations/pad-to-longest.js';
export type { PadToLongestOptions } from './operations/pad-to-longest.js';

export { buildTextDataset, TEXT_FIELD_KINDS } from './ingest/build-text-dataset.js';
export type { BuildTextDatasetOptions, BuildTextProgress, BuildTextSummary, TextFieldKind } from './ingest/build-text-dataset.js';
export { listInputFiles, TEXT_INPUT_FORMATS } from './ingest/input-files.js';
export type { InputFile, TextInputFormat } from './ingest/input-files.js';
export { readDocuments } from './ingest/read-documents.js';
export type { ReadDocumentsOptions } from './ingest/read-documents.js';
export { countPackedTokens, packDocuments } from './ingest/pack-documents.js';
export type { PackOptions } from './ingest/pack-documents.js';
