import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@conduit/contracts';
import { Prisma, PrismaClient, type User } from '../../generated/prisma/client';

const UNIQUE_VIOLATION = 'P2002';

@Injectable()
export class UserRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Fails with CONFLICT when the email is taken. `email` must already be lower-cased. */
  async create(email: string, passwordHash: string): Promise<User> {
    try {
      return await this.prisma.user.create({ data: { email, passwordHash } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === UNIQUE_VIOLATION) {
        throw new DomainError(ErrorCode.Conflict, 'An account with this email already exists');
      }
      throw error;
    }
  }

  findByEmail(email: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  findById(id: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }
}
