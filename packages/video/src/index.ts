export { videoPlugin } from './video-plugin.js';
export { compressedVideo, videoFrames } from './field-specs.js';
export type { CompressedVideoOptions, VideoFramesOptions } from './field-specs.js';
export type { PreExtractedFrames, StoredJpegFrames, VideoFramesArguments, VideoFramesInput } from './fields/jpeg-frames-codec.js';
export { opticalFlow } from './field-specs.js';
export type { OpticalFlowOptions } from './field-specs.js';
export type { OpticalFlowArguments, StoredOpticalFlow } from './fields/flow-codec.js';
export type { OpticalFlowValue } from './fields/flow-value.js';
export type { FlowQuantization } from './fields/flow-layout.js';
export type { CompressedVideoArguments, StoredPacket, StoredVideo, VideoInput } from './fields/compressed-video-codec.js';
export type { ClipCrop, ClipSampler, EndPolicy } from './clips/clip-sampler.js';
export type { ClipLayout } from './clips/clip-options.js';
export { VideoBackendError, VideoFormatError, VideoInputError } from './video-errors.js';
export type { BackendAttempt, VideoInputErrorDetails } from './video-errors.js';
export { videoBackend } from './backend/video-backend.js';
export type { VideoBackend } from './backend/video-backend.js';
export { VIDEO_ENCODE_CODECS, VIDEO_EXTENSIONS, VIDEO_FIELD_KINDS, buildVideoDataset, listVideoFolder, readVideoManifest } from './ingest/index.js';
export type {
  BuildVideoDatasetOptions,
  BuildVideoProgress,
  BuildVideoSummary,
  RepresentationOptions,
  SkippedVideo,
  VideoEncodeCodec,
  VideoEntry,
  VideoFieldKind,
  VideoFieldStorage,
  VideoFolderEntry,
  VideoFolderListing,
  VideoManifest,
  VideoManifestEntry,
  VideoSource,
} from './ingest/index.js';
export { normalizeClip } from './operations/normalize-clip.js';
export type { NormalizeClipOptions } from './operations/normalize-clip.js';
