export { buildVideoDataset } from './build-video-dataset.js';
export type { BuildVideoDatasetOptions, BuildVideoProgress, BuildVideoSummary, SkippedVideo, VideoEntry, VideoFieldStorage, VideoSource } from './build-video-dataset.js';
export { VIDEO_ENCODE_CODECS, VIDEO_FIELD_KINDS } from './video-representation.js';
export type { RepresentationOptions, VideoEncodeCodec, VideoFieldKind } from './video-representation.js';
export { VIDEO_EXTENSIONS, listVideoFolder } from './video-folder.js';
export type { VideoFolderEntry, VideoFolderListing } from './video-folder.js';
export { readVideoManifest } from './video-manifest.js';
export type { VideoManifest, VideoManifestEntry } from './video-manifest.js';
