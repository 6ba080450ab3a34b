import { EventPattern, MessagePattern } from '@nestjs/microservices';
import { EventDef, RequestDef } from '@conduit/contracts';

/** Marks a controller method as the handler for a request contract; the payload arrives validated. */
export const HandleRequest = (def: RequestDef): MethodDecorator => MessagePattern(def.subject);

/** Marks a controller method as a subscriber to an event contract. */
export const HandleEvent = (def: EventDef): MethodDecorator => EventPattern(def.subject);
