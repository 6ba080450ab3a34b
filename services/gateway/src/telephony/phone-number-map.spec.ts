import { phoneNumberMap } from './phone-number-map';

const ALICE = '0b6f2c1e-6f0e-4c4b-9d7e-1a2b3c4d5e6f';
const BOB = '7d1c9e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a';

describe('TWILIO_NUMBERS', () => {
  it('reads number=user pairs', () => {
    const owners = phoneNumberMap.parse(` +15550000001=${ALICE}, +442071234567=${BOB} ,`);
    expect([...owners]).toEqual([
      ['+15550000001', ALICE],
      ['+442071234567', BOB],
    ]);
    expect(phoneNumberMap.parse('').size).toBe(0);
  });

  it.each([
    ['a number not in E.164 form', `5550000001=${ALICE}`],
    ['a user that is not an id', '+15550000001=alice'],
    ['a missing user', '+15550000001'],
    ['a number listed twice', `+15550000001=${ALICE},+15550000001=${BOB}`],
  ])('refuses %s', (_what, text) => {
    expect(phoneNumberMap.safeParse(text).success).toBe(false);
  });
});
