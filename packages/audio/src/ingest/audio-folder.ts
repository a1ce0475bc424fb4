import { type ClassFolderEntry, type ClassFolderListing, listClassFolder } from '@tessera/core/internals';
import { AUDIO_EXTENSIONS } from '../input/audio-input.js';

export type AudioFolderEntry = ClassFolderEntry;
export type AudioFolderListing = ClassFolderListing;

/**
 * The classes and audio files of a folder laid out as ROOT/<class>/<audio files> (files may sit in
 * nested folders below a class). Audio is recognised by extension: wav, wave, flac, mp3, ogg, opus,
 * m4a, aac, webm, aiff, aif (case-insensitive). Hidden files and folders are skipped. A missing folder
 * is E_IO; one without class subfolders or without audio below them is E_ARGUMENT saying the layout.
 */
export function listAudioFolder(root: string, extensions: readonly string[] = AUDIO_EXTENSIONS): AudioFolderListing {
  return listClassFolder(root, { extensions, noun: 'audio' });
}
