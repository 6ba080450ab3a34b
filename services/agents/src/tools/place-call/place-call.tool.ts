import { Bus } from '@conduit/bus';
import { CallPurposeSchema, PhoneNumberSchema, VoiceCallsContract } from '@conduit/contracts';
import { z } from 'zod';
import type { AgentTool, ToolContext, ToolOutput } from '../agent-tool';
import { callService } from '../tool-failures';

export const PLACE_CALL_TOOL = 'place_call';

const PlaceCallInputSchema = z.strictObject({
  number: PhoneNumberSchema.describe('The number to call, in E.164 form (+, country code, number)'),
  purpose: CallPurposeSchema.describe(
    'Why the call is made and what to achieve, told to the voice that speaks on the call',
  ),
});
type PlaceCallInput = z.output<typeof PlaceCallInputSchema>;

/**
 * Phones a number for the user through the voice service (Twilio): when answered, the call is a voice
 * conversation of the user's, told the purpose. The operator turns calls on and limits the numbers
 * (FORBIDDEN / SERVICE_UNAVAILABLE otherwise).
 */
export class PlaceCallTool implements AgentTool<PlaceCallInput> {
  readonly name = PLACE_CALL_TOOL;
  readonly description =
    'Places a phone call to a number for the user; a voice speaks on the call with the given purpose. Answers the call id and its status (queued, ringing).';
  readonly input = PlaceCallInputSchema as z.ZodType<PlaceCallInput>;

  constructor(
    private readonly bus: Bus,
    private readonly timeoutMs: number,
  ) {}

  run(input: PlaceCallInput, context: ToolContext): Promise<ToolOutput> {
    return callService('voice', context.signal, () =>
      this.bus.request(
        VoiceCallsContract.placeCall,
        { to: input.number, purpose: input.purpose },
        { userId: context.userId },
        { timeoutMs: this.timeoutMs },
      ),
    );
  }
}
