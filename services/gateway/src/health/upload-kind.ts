/**
 * What an uploaded file is, told from its first bytes: a FIT file (its header names `.FIT` at bytes 8
 * to 11) or a zip archive (`PK\x03\x04`); anything else is null. Only the header is read here; whether
 * the rest is intact is checked by the health-data service.
 */
export function fitUploadKind(head: Uint8Array): 'fit' | 'fit-zip' | null {
  if (head.length >= 12 && (head[0] === 12 || head[0] === 14)) {
    if (head[8] === 0x2e && head[9] === 0x46 && head[10] === 0x49 && head[11] === 0x54) return 'fit';
  }
  if (isZip(head)) return 'fit-zip';
  return null;
}

/** JSON when the text starts (after white space and a byte order mark) with `{` or `[`, CSV otherwise. */
export function bloodTestUploadKind(head: Uint8Array): 'blood-test-json' | 'blood-test-csv' {
  const text = Buffer.from(head)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return text.startsWith('{') || text.startsWith('[') ? 'blood-test-json' : 'blood-test-csv';
}

/**
 * An Apple Health export: the zip the Health app shares (`PK\x03\x04`) or its export.xml (text that starts,
 * after white space and a byte order mark, with `<`); anything else is null. What is inside is read by the
 * health-data service.
 */
export function appleHealthUploadKind(head: Uint8Array): 'apple-health' | null {
  if (isZip(head)) return 'apple-health';
  const text = Buffer.from(head)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return text.startsWith('<') ? 'apple-health' : null;
}

/** A zip archive's local file header signature, `PK\x03\x04`. */
function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}
