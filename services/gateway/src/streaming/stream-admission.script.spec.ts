import { parseAdmissionReply } from './stream-admission.script';

describe('stream admission reply', () => {
  it('reads the request log observation and the first full slot set', () => {
    expect(parseAdmissionReply([1, 3, 1_000, 900, 0])).toEqual({
      requests: { admitted: true, count: 3, now: 1_000, pivotAt: 900 },
      fullSet: 0,
    });
    expect(parseAdmissionReply([1, 3, 1_000, 900, 2]).fullSet).toBe(2);
    expect(parseAdmissionReply([0, 5, 1_000, 900, 0]).requests.admitted).toBe(false);
  });

  it('rejects anything else', () => {
    expect(() => parseAdmissionReply([1, 3, 1_000, 900])).toThrow(/unexpected/);
    expect(() => parseAdmissionReply([1, 3, 1_000, 900, '0'])).toThrow(/unexpected/);
    expect(() => parseAdmissionReply([1, '3', 1_000, 900, 0])).toThrow(/unexpected/);
    expect(() => parseAdmissionReply(null)).toThrow(/unexpected/);
  });
});
