import { resolve } from 'node:path';
import { type ClassFolderEntry, type ClassFolderListing, listClassFolder } from '@tessera/core/internals';

/** The extensions listVideoFolder recognises (case-insensitive). */
export const VIDEO_EXTENSIONS: readonly string[] = ['mp4', 'mkv', 'webm', 'mov', 'avi', 'm4v'];

export type VideoFolderEntry = ClassFolderEntry;

export interface VideoFolderListing extends ClassFolderListing {
  /** The folder, absolute. */
  folder: string;
}

/**
 * The classes and videos of a folder laid out as ROOT/<class>/<videos> (videos may sit in nested
 * folders below a class): class names are the subfolder names sorted by code point, a video's label
 * is its class's index. Videos are recognised by extension: mp4, mkv, webm, mov, avi, m4v. Hidden
 * files and folders, other files and files directly in ROOT are left out and counted. A missing
 * folder is E_IO; one without class subfolders or without videos below them is E_ARGUMENT.
 */
export function listVideoFolder(root: string, extensions: readonly string[] = VIDEO_EXTENSIONS): VideoFolderListing {
  return { ...listClassFolder(root, { extensions, noun: 'video' }), folder: resolve(root) };
}
