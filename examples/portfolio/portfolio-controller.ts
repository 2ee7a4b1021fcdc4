import type { MessageContext, StandardSchema } from '../../src/index.js';
import { MessageExceptionHandler, MessageMapping, SendToUser, SubscribeMapping } from '../../src/index.js';
import type { Position, PortfolioService } from './portfolio-service.js';
import { TradeError } from './portfolio-service.js';

/** A trade request as the page sends it. */
export interface Trade {
  action: 'Buy' | 'Sell';
  ticker: string;
  shares: number;
}

/** Validates a trade (any Standard Schema works here: zod, valibot...). */
export const tradeSchema: StandardSchema<Trade> = {
  '~standard': {
    version: 1,
    vendor: 'portfolio-demo',
    validate(value) {
      const v = (value ?? {}) as Partial<Record<keyof Trade, unknown>>;
      const issues = [];
      if (v.action !== 'Buy' && v.action !== 'Sell')
        issues.push({ message: "Expected 'Buy' or 'Sell'", path: ['action'] });
      if (typeof v.ticker !== 'string') issues.push({ message: 'Expected a ticker', path: ['ticker'] });
      if (typeof v.shares !== 'number') issues.push({ message: 'Expected a number', path: ['shares'] });
      return issues.length > 0 ? { issues } : { value: v as Trade };
    },
  },
};

/** The portfolio page's application destinations. */
export class PortfolioController {
  readonly #portfolios: PortfolioService;

  constructor(portfolios: PortfolioService) {
    this.#portfolios = portfolios;
  }

  /** SUBSCRIBE /app/positions: the user's portfolio, straight back to the page. */
  @SubscribeMapping('/positions')
  positions(ctx: MessageContext): Position[] {
    return this.#portfolios.positions(requireUser(ctx));
  }

  /** SEND /app/trade: executes the trade and tells every page of the user. */
  @MessageMapping('/trade', { payload: tradeSchema })
  @SendToUser('/queue/position-updates')
  trade(ctx: MessageContext<Trade>): Position {
    const { action, ticker, shares } = ctx.payload;
    return this.#portfolios.trade(requireUser(ctx), action, ticker, shares);
  }

  /** A rejected trade goes to the session that asked for it. */
  @MessageExceptionHandler(TradeError)
  @SendToUser('/queue/errors', { broadcast: false })
  tradeError(error: unknown): { error: string } {
    return { error: (error as Error).message };
  }
}

function requireUser(ctx: MessageContext): string {
  if (ctx.user === undefined) throw new TradeError('Log in to trade');
  return ctx.user.name;
}
