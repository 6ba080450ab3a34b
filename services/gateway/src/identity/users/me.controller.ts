import { Controller, Get } from '@nestjs/common';
import { ApiRoute } from '../../http/api-route.decorator';
import { CurrentPrincipal } from '../current-principal.decorator';
import type { Principal } from '../principal';
import { unauthenticated } from '../unauthenticated.error';
import { UserRepository } from './user.repository';
import { toUserView, UserViewSchema, type UserView } from './user.schemas';

@Controller('api/v1/me')
export class MeController {
  constructor(private readonly users: UserRepository) {}

  @Get()
  @ApiRoute({ summary: 'The authenticated account', tag: 'identity', response: UserViewSchema })
  async me(@CurrentPrincipal() principal: Principal): Promise<UserView> {
    const user = await this.users.findById(principal.userId);
    // A still-valid token of a deleted account.
    if (!user) throw unauthenticated();
    return toUserView(user);
  }
}
