import { Body, Controller, Header, Headers, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import { CallPurposeSchema, DomainError, ErrorCode } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { ApiRoute } from '../http/api-route.decorator';
import { CallTokens, type PhoneCall } from './call-tokens';
import { checkTwilioSignature } from './twilio-signature';
import { publicStreamUrl, TWILIO_STREAM_PATH } from './twilio-stream.route';

const TAG = 'voice';
/** Twilio's call webhook parameters (all strings); all of them are signed, so all are kept. */
const CallWebhookSchema = z
  .object({ CallSid: z.string().min(1), From: z.string(), To: z.string() })
  .catchall(z.string());
type CallWebhook = z.output<typeof CallWebhookSchema>;
const SignatureHeadersSchema = z.object({ 'x-twilio-signature': z.string().optional() });
/** Set by the voice service on the calls it places; trusted because Twilio signs the URL it requests. */
const OutboundQuerySchema = z.object({ userId: z.uuid(), purpose: CallPurposeSchema });

/**
 * Twilio's voice webhooks. Each answers TwiML that connects the call to a media stream on this
 * gateway (`/ws/twilio/<one-time token>`), where it becomes a voice conversation of the user the call
 * is for: for calls to the operator's numbers the number's owner (TWILIO_NUMBERS), for calls the
 * voice service placed the user named in the webhook URL it gave Twilio.
 */
@Controller('api/v1/voice/twilio')
export class TwilioWebhookController {
  constructor(
    private readonly tokens: CallTokens,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  @Post('incoming')
  @Header('content-type', 'text/xml; charset=utf-8')
  @ApiRoute({
    summary:
      "Twilio's webhook for a call to one of the operator's numbers (form body, X-Twilio-Signature) → TwiML connecting it to a media stream",
    tag: TAG,
    body: CallWebhookSchema,
    headers: SignatureHeadersSchema,
    produces: 'none',
    successStatus: 200,
    public: true,
  })
  async incoming(
    @Req() request: FastifyRequest,
    @Body() body: CallWebhook,
    @Headers('x-twilio-signature') signature: string | undefined,
  ): Promise<string> {
    const origin = this.checkSigned(request, body, signature);
    const userId = this.config.TWILIO_NUMBERS.get(body.To);
    const response = new twilio.twiml.VoiceResponse();
    if (!userId) {
      response.reject();
      return response.toString();
    }
    return this.connect(origin, { callSid: body.CallSid, userId, direction: 'inbound' });
  }

  @Post('outbound')
  @Header('content-type', 'text/xml; charset=utf-8')
  @ApiRoute({
    summary:
      "Twilio's webhook for a call the voice service placed, once answered (form body, X-Twilio-Signature; `userId` and `purpose` in the signed URL) → TwiML connecting it to a media stream",
    tag: TAG,
    body: CallWebhookSchema,
    headers: SignatureHeadersSchema,
    query: OutboundQuerySchema,
    produces: 'none',
    successStatus: 200,
    public: true,
  })
  async outbound(
    @Req() request: FastifyRequest,
    @Body() body: CallWebhook,
    @Headers('x-twilio-signature') signature: string | undefined,
  ): Promise<string> {
    const origin = this.checkSigned(request, body, signature);
    const query = OutboundQuerySchema.parse(request.query);
    return this.connect(origin, {
      callSid: body.CallSid,
      userId: query.userId,
      direction: 'outbound',
      purpose: query.purpose,
    });
  }

  /** The public origin, once the request is known to come from Twilio. */
  private checkSigned(request: FastifyRequest, body: CallWebhook, signature: string | undefined): URL {
    const { TWILIO_AUTH_TOKEN: authToken, TWILIO_PUBLIC_BASE_URL: base } = this.config;
    if (!authToken || !base) {
      throw new DomainError(ErrorCode.ServiceUnavailable, 'Phone calls are not configured here');
    }
    const origin = new URL(base);
    // The URL Twilio requested: the public origin, and the path and query as they reached us.
    checkTwilioSignature(authToken, signature, new URL(request.url, origin).href, body);
    return origin;
  }

  private async connect(origin: URL, call: PhoneCall): Promise<string> {
    const token = await this.tokens.issue(call);
    const stream = publicStreamUrl(origin, `${TWILIO_STREAM_PATH}/${token}`);
    const response = new twilio.twiml.VoiceResponse();
    response.connect().stream({ url: stream.href });
    return response.toString();
  }
}
