import { DomainError, ErrorCode } from '@conduit/contracts';
import { uploadTypeOf } from './upload-type';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0'),
  Buffer.alloc(64),
]);

describe('uploadTypeOf', () => {
  it('tells the type from the content, whatever is declared when the declaration says nothing', async () => {
    await expect(uploadTypeOf(PNG, undefined)).resolves.toBe('image/png');
    await expect(uploadTypeOf(PNG, 'application/octet-stream')).resolves.toBe('image/png');
    await expect(uploadTypeOf(JPEG, 'image/jpg')).resolves.toBe('image/jpeg');
    await expect(uploadTypeOf(JPEG, 'IMAGE/JPEG; name=x')).resolves.toBe('image/jpeg');
  });

  it('keeps text as text/plain and anything else unknown as octet-stream, never as what it claims', async () => {
    await expect(uploadTypeOf(Buffer.from('<svg onload="alert(1)"/>'), 'image/svg+xml')).resolves.toBe(
      'text/plain',
    );
    await expect(uploadTypeOf(Buffer.from('a,b\n1,2\n'), 'text/csv')).resolves.toBe('text/plain');
    await expect(uploadTypeOf(Buffer.from([0x00, 0x01, 0x02, 0x03]), 'text/plain')).resolves.toBe(
      'application/octet-stream',
    );
  });

  it('refuses a declared type the content contradicts', async () => {
    for (const [content, declared] of [
      [PNG, 'image/jpeg'],
      [JPEG, 'image/png'],
      [PNG, 'text/plain'],
      [Buffer.from('just words'), 'image/png'],
      [Buffer.from('just words'), 'application/pdf'],
    ] as const) {
      const refused = uploadTypeOf(content, declared);
      await expect(refused).rejects.toBeInstanceOf(DomainError);
      await expect(refused).rejects.toMatchObject({ code: ErrorCode.UnsupportedFileType });
    }
  });
});
