import { Body, Controller, Ip, Post, UseGuards } from '@nestjs/common';
import { ApiRoute } from '../../http/api-route.decorator';
import { SignInAttemptGuard } from '../sign-in-protection/sign-in-attempt.guard';
import { CredentialsSchema, RefreshTokenBodySchema, SessionSchema } from './session.schemas';
import type { Credentials, RefreshTokenBody, Session } from './session.schemas';
import { SessionService } from './session.service';

const TAG = 'identity';

// Public routes, but each request counts against its client address's limit (and sign-in against more).
@Controller('api/v1/auth')
@UseGuards(SignInAttemptGuard)
export class SessionController {
  constructor(private readonly sessions: SessionService) {}

  @Post('register')
  @ApiRoute({
    summary: 'Create an account and start a session',
    tag: TAG,
    body: CredentialsSchema,
    response: SessionSchema,
    successStatus: 201,
    public: true,
  })
  register(@Body() body: Credentials): Promise<Session> {
    return this.sessions.register(body);
  }

  @Post('login')
  @ApiRoute({
    summary: 'Start a session with email and password',
    tag: TAG,
    body: CredentialsSchema,
    response: SessionSchema,
    successStatus: 200,
    public: true,
  })
  login(@Body() body: Credentials, @Ip() ip: string): Promise<Session> {
    return this.sessions.login(body, ip);
  }

  @Post('refresh')
  @ApiRoute({
    summary: 'Trade a refresh token for a new access token and refresh token',
    tag: TAG,
    body: RefreshTokenBodySchema,
    response: SessionSchema,
    successStatus: 200,
    public: true,
  })
  refresh(@Body() body: RefreshTokenBody): Promise<Session> {
    return this.sessions.refresh(body.refreshToken);
  }

  // Public: the refresh token is the credential, and a client whose access token expired must still be able to log out.
  @Post('logout')
  @ApiRoute({
    summary: 'End the session a refresh token belongs to',
    tag: TAG,
    body: RefreshTokenBodySchema,
    produces: 'none',
    successStatus: 204,
    public: true,
  })
  logout(@Body() body: RefreshTokenBody): Promise<void> {
    return this.sessions.logout(body.refreshToken);
  }
}
