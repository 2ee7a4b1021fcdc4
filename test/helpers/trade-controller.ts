// The trading controller the handler tests share (in-memory and over real sockets).
import type { MessageContext, StandardSchema } from '../../src/index.js';
import {
  MessageExceptionHandler,
  MessageMapping,
  SendTo,
  SendToUser,
  SubscribeMapping,
} from '../../src/index.js';

/** A tiny Standard Schema (what zod or valibot provide) for { ticker: string; shares: number }. */
const tradeSchema: StandardSchema<{ ticker: string; shares: number }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      const v = value as { ticker?: unknown; shares?: unknown } | null;
      const issues = [];
      if (typeof v?.ticker !== 'string') issues.push({ message: 'Expected string', path: ['ticker'] });
      if (typeof v?.shares !== 'number') issues.push({ message: 'Expected number', path: ['shares'] });
      return issues.length > 0 ? { issues } : { value: v as { ticker: string; shares: number } };
    },
  },
};

export class InsufficientFunds extends Error {}

@MessageMapping('/trade')
export class TradeController {
  held = 10;

  @MessageMapping('/buy', { payload: tradeSchema })
  @SendToUser('/queue/position-updates')
  buy(ctx: MessageContext<{ ticker: string; shares: number }>) {
    return { ticker: ctx.payload.ticker, bought: ctx.payload.shares };
  }

  @MessageMapping('/sell', { payload: tradeSchema })
  @SendToUser('/queue/position-updates', { broadcast: false })
  sell(ctx: MessageContext<{ ticker: string; shares: number }>) {
    if (ctx.payload.shares > this.held)
      throw new InsufficientFunds(`cannot sell ${ctx.payload.shares}, holding ${this.held}`);
    return { ticker: ctx.payload.ticker, sold: ctx.payload.shares };
  }

  @MessageMapping('/room.{room}')
  @SendTo('/topic/rooms.{room}')
  async chat(ctx: MessageContext<string, { room: string }>) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return `${ctx.user?.name ?? 'anon'} in ${ctx.params.room}: ${ctx.payload}`;
  }

  @SubscribeMapping('/positions')
  positions(ctx: MessageContext) {
    return { user: ctx.user?.name, held: this.held };
  }

  @MessageExceptionHandler(InsufficientFunds)
  @SendToUser('/queue/errors', { broadcast: false })
  onInsufficient(error: unknown) {
    return { error: (error as Error).message };
  }
}
