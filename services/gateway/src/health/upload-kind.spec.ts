import { appleHealthUploadKind, bloodTestUploadKind, fitUploadKind } from './upload-kind';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('upload kinds, told from the first bytes', () => {
  it('tells an Apple Health export: the zip, or XML after white space and a byte order mark', () => {
    expect(appleHealthUploadKind(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14]))).toBe('apple-health');
    expect(appleHealthUploadKind(bytes('<?xml version="1.0"?><HealthData>'))).toBe('apple-health');
    expect(appleHealthUploadKind(bytes('\uFEFF \n<HealthData>'))).toBe('apple-health');
    expect(appleHealthUploadKind(bytes('%PDF-1.7'))).toBeNull();
    expect(appleHealthUploadKind(bytes('{"HealthData": []}'))).toBeNull();
  });

  it('tells a FIT file from a zip of them, and neither from other files', () => {
    const header = Uint8Array.from([14, 0x10, 0, 0, 0, 0, 0, 0, 0x2e, 0x46, 0x49, 0x54]);
    expect(fitUploadKind(header)).toBe('fit');
    expect(fitUploadKind(Uint8Array.from([0x50, 0x4b, 0x03, 0x04]))).toBe('fit-zip');
    expect(fitUploadKind(bytes('%PDF-1.7 not a fit file'))).toBeNull();
  });

  it('reads blood tests as JSON when they start with { or [, as CSV otherwise', () => {
    expect(bloodTestUploadKind(bytes(' [{"analyte":"glucose"}]'))).toBe('blood-test-json');
    expect(bloodTestUploadKind(bytes('analyte,value,unit,date'))).toBe('blood-test-csv');
  });
});
