import { FILE_NAME_MAX_BYTES } from './constants.js';
import { FieldError } from './errors.js';

// 256-entry tables: one indexed load per character, and a code unit above 0xff reads
// `undefined`, which fails the `=== 1` test, so non-Latin-1 text needs no separate check.
const ID_CHARS = new Uint8Array(256);
const FILE_CHARS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  ID_CHARS[c] = alnum || c === 0x5f ? 1 : 0;
  FILE_CHARS[c] = ID_CHARS[c] === 1 || c === 0x2e || c === 0x2d ? 1 : 0;
}
const DOT = 0x2e;

/** Field names as the spec writes them; they appear in errors. */
export type IdField = 'sys_id' | 'msg_type';

function lengthError(field: string, length: number, max: number, offset?: number): FieldError {
  return length === 0
    ? new FieldError('ERR_PROTOCOL_FIELD_EMPTY', `${field} is empty; it needs 1 to ${max} bytes`, {
        field,
        offset,
      })
    : new FieldError('ERR_PROTOCOL_FIELD_TOO_LONG', `${field} is ${length} bytes; at most ${max} allowed`, {
        field,
        offset,
      });
}

function charsetError(field: string, allowed: string, offset?: number): FieldError {
  return new FieldError('ERR_PROTOCOL_BAD_CHARSET', `${field} may only contain ${allowed}`, {
    field,
    offset,
  });
}

const ID_ALLOWED = '[A-Za-z0-9_]';
const FILE_ALLOWED = '[A-Za-z0-9_.-]';

/** Checks a sys_id or msg_type string; its byte length is then its `length`. */
export function checkIdString(value: unknown, field: IdField, max: number): asserts value is string {
  if (typeof value !== 'string') {
    throw new FieldError('ERR_PROTOCOL_BAD_CHARSET', `${field} must be a string of ${ID_ALLOWED}`, { field });
  }
  const n = value.length;
  if (n === 0 || n > max) throw lengthError(field, n, max);
  for (let i = 0; i < n; i++) {
    if (ID_CHARS[value.charCodeAt(i)] !== 1) throw charsetError(field, ID_ALLOWED);
  }
}

/** Checks a file_name string: charset, length, and no leading dot (so never `.` or `..`). */
export function checkFileNameString(value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new FieldError('ERR_PROTOCOL_BAD_CHARSET', `file_name must be a string of ${FILE_ALLOWED}`, {
      field: 'file_name',
    });
  }
  const n = value.length;
  if (n === 0 || n > FILE_NAME_MAX_BYTES) throw lengthError('file_name', n, FILE_NAME_MAX_BYTES);
  for (let i = 0; i < n; i++) {
    if (FILE_CHARS[value.charCodeAt(i)] !== 1) throw charsetError('file_name', FILE_ALLOWED);
  }
  if (value.charCodeAt(0) === DOT) throw leadingDotError();
}

function leadingDotError(offset?: number): FieldError {
  return new FieldError('ERR_PROTOCOL_BAD_FILE_NAME', 'file_name must not start with "."', {
    field: 'file_name',
    offset,
  });
}

/** Decoding: checks the length byte of a str8 id field at `offset`. */
export function checkIdLength(length: number, field: IdField, max: number, offset: number): void {
  if (length === 0 || length > max) throw lengthError(field, length, max, offset);
}

/** Decoding: checks `length` bytes of an id field starting at `start`. */
export function checkIdBytes(buf: Uint8Array, start: number, length: number, field: IdField): void {
  for (let i = start, end = start + length; i < end; i++) {
    if (ID_CHARS[buf[i]!] !== 1) throw charsetError(field, ID_ALLOWED, start - 1);
  }
}

/** Decoding: checks the length byte of file_name at `offset`. */
export function checkFileNameLength(length: number, offset: number): void {
  if (length === 0 || length > FILE_NAME_MAX_BYTES)
    throw lengthError('file_name', length, FILE_NAME_MAX_BYTES, offset);
}

/** Decoding: checks file_name's bytes; `start` is the first byte after its length byte. */
export function checkFileNameBytes(buf: Uint8Array, start: number, length: number): void {
  for (let i = start, end = start + length; i < end; i++) {
    if (FILE_CHARS[buf[i]!] !== 1) throw charsetError('file_name', FILE_ALLOWED, start - 1);
  }
  if (buf[start] === DOT) throw leadingDotError(start - 1);
}
