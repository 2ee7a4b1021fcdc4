// A controller written the way a user writes one: standard decorators and a zod schema.
import { z } from 'zod';
import {
  MessageExceptionHandler,
  MessageMapping,
  SendTo,
  SendToUser,
  SubscribeMapping,
  type MessageContext,
} from 'switchboard';

export const chatSchema = z.object({ text: z.string().min(1).max(200) });
export type Chat = z.infer<typeof chatSchema>;

export class RoomClosedError extends Error {}

@MessageMapping('/rooms')
export class ChatController {
  readonly #closed = new Set<string>(['attic']);

  @MessageMapping('/{room}', { payload: chatSchema })
  @SendTo('/topic/rooms.{room}')
  say(ctx: MessageContext<Chat, { room: string }>): { from: string; room: string; text: string } {
    if (this.#closed.has(ctx.params.room)) throw new RoomClosedError(`room ${ctx.params.room} is closed`);
    return { from: ctx.user?.name ?? 'anonymous', room: ctx.params.room, text: ctx.payload.text };
  }

  @SubscribeMapping('/{room}/welcome')
  welcome(ctx: MessageContext<unknown, { room: string }>): string {
    return `welcome to ${ctx.params.room}, ${ctx.user?.name ?? 'anonymous'}`;
  }

  @MessageExceptionHandler(RoomClosedError)
  @SendToUser('/queue/errors', { broadcast: false })
  closed(error: RoomClosedError): { error: string } {
    return { error: error.message };
  }
}
