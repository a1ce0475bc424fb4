export { ArgumentError, FormatError, PluginError, RemoteError, SidecarError, TesseraError } from './errors.js';
export type { TesseraErrorCode } from './errors.js';

export type {
  DType,
  DecodeContext,
  DecoderDefinition,
  DecoderInstance,
  EncodeTarget,
  FieldCodec,
  FieldPreview,
  FieldReader,
  FieldSpec,
  JsonValue,
  MetadataLayout,
  OutputSlot,
  OutputSpec,
  PreviewOptions,
  PluginOrigin,
  RandomNumbers,
  RegisteredCodecRef,
  SampleWindow,
  StreamSpan,
  TesseraPlugin,
  TypedArray,
} from './registry/plugin-contract.js';
export { PLUGIN_SPEC_VERSION } from './registry/plugin-contract.js';
export { createRegistry, isCompatibleVersion } from './registry/registry.js';
export type { Registry, RegisteredCodec } from './registry/registry.js';

export { corePlugin, bytes, ffcvImage, float64, int64, json, ndarray, torchTensor } from './fields/core-plugin.js';
export { optional } from './fields/optional-field.js';
export type { OptionalArguments } from './fields/optional-field.js';
export type { NdArray, NdArrayArguments } from './fields/ndarray-field.js';
export type { StoredImage } from './fields/ffcv-image-storage.js';
export { FFCV_IMAGE_MODE, IMAGE_METADATA_LAYOUT, readImageHeader, storedImageByteLength } from './fields/ffcv-image-storage.js';

export { MAX_PAGE_SIZE, MIN_PAGE_SIZE } from './spec/constants.js';
export { DTYPE_BYTE_LENGTH, parseNumpyDType, typedView } from './spec/dtype.js';
export type { NumpyDType } from './spec/dtype.js';
export type { Header } from './spec/header.js';
export type { ExtensionBlock, ExtensionChecksums, SidecarBase } from './spec/extension-block.js';

export { writeDataset } from './writer/write-dataset.js';
export { writeSidecar } from './writer/write-sidecar.js';
export { mergeDatasets } from './writer/merge-datasets.js';
export type { MergeOptions, MergeSummary } from './writer/merge-datasets.js';
export type { WriteOptions, WriteProgress, WriteSummary } from './writer/write-dataset.js';
export type { DataSource, IndexedSource } from './writer/data-source.js';
export type { Schema } from './writer/field-plan.js';

export { openDataset } from './reader/open-dataset.js';
export { createOutputSlot } from './registry/output-slots.js';
export type { Dataset, DatasetField, DatasetLayout, OpenOptions } from './reader/open-dataset.js';
export { isMultiFileDataset } from './reader/multi-file-dataset.js';
export type { DatasetStream, MultiFileDataset } from './reader/multi-file-dataset.js';
export type { DatasetManifest, DatasetSource, DatasetStreamSpec, StreamWeight } from './reader/dataset-manifest.js';
export type { PageCacheStats } from './io/page-cache-source.js';
export { BYTE_SOURCE_SPEC_VERSION, ByteSourceError, describeIdentity, isRemoteLocation } from './io/byte-source.js';
export type {
  ByteSource,
  ByteSourceErrorCode,
  ByteSourceErrorDetails,
  ByteSourceOrigin,
  ByteSourceProvider,
  ByteSourceReadOptions,
  RemoteObjectIdentity,
} from './io/byte-source.js';
export { httpSource } from './io/http-byte-source.js';
export type { HttpSourceOptions } from './io/http-byte-source.js';
export type { RemoteOptions } from './reader/remote-options.js';
export type { RemoteSourceStats } from './io/remote-file-source.js';
export { verifyDataset } from './reader/verify-dataset.js';
export { ffcvLoaderSafety } from './reader/ffcv-loader-safety.js';
export type { FfcvLoaderSafety } from './reader/ffcv-loader-safety.js';
export { readPluginRequirements } from './reader/plugin-requirements.js';
export type { PluginRequirement } from './reader/plugin-requirements.js';
export type { VerifyOptions, VerifyProblem, VerifyProgress, VerifyReport } from './reader/verify-dataset.js';

export { BATCH_INFO, createLoader } from './loader/create-loader.js';
export { padToLongest, paddedToLongest } from './loader/pad-to-longest.js';
export type { PadToLongestOptions } from './loader/pad-to-longest.js';
export type { Batch, BatchField, BatchInfo, Loader, LoaderOptions, LoaderStats } from './loader/create-loader.js';
export type { WindowOptions, WindowSampler } from './loader/sample-window.js';
export type { LoaderState } from './loader/loader-state.js';
export type { MixOptions } from './loader/orders/mix-order.js';
export type {
  BatchColumn,
  BatchContext,
  BatchOperation,
  BatchOperationInstance,
  BatchShapes,
  FieldPipeline,
  Operation,
  SampleContext,
  SampleOperation,
  SampleOperationInstance,
} from './loader/pipeline-contract.js';
export {
  createRandom,
  createSampleRandom,
  lengthGroupedOrder,
  quasiRandomOrder,
  randomOrder,
  rankOrder,
  resolveOrder,
  sequentialOrder,
} from './loader/orders/index.js';
export type {
  DistributedOptions,
  DistributedSplit,
  LengthGroupedOrderOptions,
  OrderContext,
  OrderContextOptions,
  OrderName,
  QuasiRandomOrderOptions,
  RandomSource,
  ReseedableRandomSource,
  SequentialOrderOptions,
  TraversalOrder,
} from './loader/orders/index.js';

export { stringifyPythonJson, parsePythonJson } from './util/python-json.js';
export { float16BitsToNumber, numberToFloat16Bits } from './util/float16.js';
export { PACKAGE_VERSION } from './version.js';
