import { Body, Controller, Headers, Post, Query } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { z } from 'zod';
import { AcceptedImportSchema, DomainError, ErrorCode, type HealthImportKind } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { ApiRoute } from '../http/api-route.decorator';
import { bodyLimitFrom } from '../http/route-body-limit';
import { HealthIntake } from './health-intake';
import { isWebhookSecret } from './webhook-secret';

const TAG = 'health';
/** A notification: summary lists by type (`dailies`, `sleeps`, ...); what is in them is read by health-data. */
const NotificationSchema = z.record(z.string(), z.array(z.unknown()));
const SecretHeadersSchema = z.object({ 'x-webhook-secret': z.string().optional() });
const SecretQuerySchema = z.object({ secret: z.string().optional() });

/**
 * Garmin Health API notifications, reachable without credentials but only with the shared secret
 * (GARMIN_WEBHOOK_SECRET, compared in constant time). Each is stored in the durable import stream before
 * the 202, so Garmin never has to send it again, also while health-data is down.
 */
@Controller('api/v1/health/garmin')
export class GarminWebhookController {
  constructor(
    private readonly intake: HealthIntake,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  @Post('push')
  @RouteConfig(bodyLimitFrom('HEALTH_WEBHOOK_BODY_LIMIT_BYTES'))
  @ApiRoute({
    summary:
      'Garmin Health API push notification (summaries in the body) → 202 {importId}; needs the X-Webhook-Secret header or ?secret=',
    tag: TAG,
    body: NotificationSchema,
    headers: SecretHeadersSchema,
    query: SecretQuerySchema,
    response: AcceptedImportSchema,
    successStatus: 202,
    public: true,
  })
  push(
    @Body() body: z.output<typeof NotificationSchema>,
    @Headers('x-webhook-secret') header: string | undefined,
    @Query('secret') query: string | undefined,
  ) {
    return this.accept('garmin-push', body, header ?? query);
  }

  @Post('ping')
  @RouteConfig(bodyLimitFrom('HEALTH_WEBHOOK_BODY_LIMIT_BYTES'))
  @ApiRoute({
    summary:
      'Garmin Health API ping notification (where to pull summaries from) → 202 {importId}; needs the X-Webhook-Secret header or ?secret=',
    tag: TAG,
    body: NotificationSchema,
    headers: SecretHeadersSchema,
    query: SecretQuerySchema,
    response: AcceptedImportSchema,
    successStatus: 202,
    public: true,
  })
  ping(
    @Body() body: z.output<typeof NotificationSchema>,
    @Headers('x-webhook-secret') header: string | undefined,
    @Query('secret') query: string | undefined,
  ) {
    return this.accept('garmin-ping', body, header ?? query);
  }

  private accept(kind: HealthImportKind, body: unknown, given: string | undefined) {
    const secret = this.config.GARMIN_WEBHOOK_SECRET;
    if (!secret) {
      throw new DomainError(ErrorCode.ServiceUnavailable, 'Garmin notifications are not configured here');
    }
    if (!isWebhookSecret(given, secret)) {
      throw new DomainError(ErrorCode.Unauthenticated, 'The webhook secret is missing or wrong');
    }
    // Nobody's: the summaries name their Garmin users, linked to ours by the health-data service.
    return this.intake.accept({ userId: null }, kind, { bytes: Buffer.from(JSON.stringify(body)) });
  }
}
