import { Controller, Get } from '@nestjs/common';
import { ApiRoute } from '../../http/api-route.decorator';
import type { AuthenticatedCaller } from '../caller-context';
import { Caller } from '../caller.decorator';
import { unauthenticated } from '../unauthenticated.error';
import { UserRepository } from './user.repository';
import { toUserView, UserViewSchema, type UserView } from './user.schemas';

@Controller('api/v1/me')
export class MeController {
  constructor(private readonly users: UserRepository) {}

  @Get()
  @ApiRoute({ summary: 'The authenticated account', tag: 'identity', response: UserViewSchema })
  async me(@Caller() caller: AuthenticatedCaller): Promise<UserView> {
    const user = await this.users.findById(caller.userId);
    // A still-valid token of a deleted account.
    if (!user) throw unauthenticated();
    return toUserView(user);
  }
}
