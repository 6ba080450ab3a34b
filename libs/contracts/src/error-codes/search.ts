/** Codes of the search service: uploaded files it cannot take. */
export const SearchErrorCode = {
  /** The file's content is of a type that cannot be indexed (whatever its name or declared type says). */
  UnsupportedFileType: 'UNSUPPORTED_FILE_TYPE',
  /** The file claims a type it can be read as, but its content is damaged or holds no text. */
  UnreadableFile: 'UNREADABLE_FILE',
} as const;
export type SearchErrorCode = (typeof SearchErrorCode)[keyof typeof SearchErrorCode];
