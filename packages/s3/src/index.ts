export { s3 } from './s3-source.js';
export type { S3Credentials, S3SourceOptions } from './s3-source-options.js';
export { parseS3Location } from './s3-location.js';
export type { S3Location } from './s3-location.js';
