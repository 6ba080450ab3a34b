import { applyDecorators, UseFilters } from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import { EventDef, RequestDef } from '@conduit/contracts';
import { BusExceptionFilter } from './bus-exception.filter';

// The filter rides on the decorator: Nest binds hybrid-app listeners before global filters can be set.

/** Marks a controller method as the handler for a request contract; the payload arrives validated. */
export const HandleRequest = (def: RequestDef): MethodDecorator =>
  applyDecorators(MessagePattern(def.subject), UseFilters(BusExceptionFilter));

/** Marks a controller method as a subscriber to an event contract. */
export const HandleEvent = (def: EventDef): MethodDecorator =>
  applyDecorators(EventPattern(def.subject), UseFilters(BusExceptionFilter));
