export * from './constants.js';
export * from './header.js';
export * from './field-descriptor.js';
export * from './metadata-layout.js';
export * from './allocation-table.js';
export * from './extension-block.js';
export * from './plugin-arguments.js';
