export { multimodalPlugin } from './multimodal-plugin.js';
export { timedText } from './field-specs.js';
export type { TimedTextOptions } from './field-specs.js';
export type { StoredCue, TimedTextArguments, TimedTextCue, TimedTextValue } from './fields/timed-text-codec.js';
export { parseSubtitles, readSubtitles } from './subtitles/read-subtitles.js';
export type { SubtitleCue } from './subtitles/read-subtitles.js';
