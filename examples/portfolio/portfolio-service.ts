/** In-memory portfolios and a quote feed for the demo (Spring's portfolio sample, ported). */

export interface Position {
  ticker: string;
  shares: number;
  price: number;
}

export interface Quote {
  ticker: string;
  price: number;
}

/** Raised when a trade cannot be executed; shown to the user on `/user/queue/errors`. */
export class TradeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TradeError';
  }
}

const START_PRICES: Record<string, number> = {
  CTXS: 24.3,
  DELL: 13.03,
  EMC: 24.13,
  GOOG: 893.49,
  MSFT: 34.21,
  ORCL: 31.22,
  RHT: 48.3,
  VMW: 66.98,
};

/** Prices that wander a little every tick. */
export class QuoteBook {
  readonly #prices = new Map(Object.entries(START_PRICES));
  #seed = 42;

  get tickers(): string[] {
    return [...this.#prices.keys()];
  }

  price(ticker: string): number | undefined {
    return this.#prices.get(ticker);
  }

  /** Moves every price by up to ±1.5 % and returns the new quotes. */
  tick(): Quote[] {
    const quotes: Quote[] = [];
    for (const [ticker, price] of this.#prices) {
      this.#seed = (this.#seed * 16807) % 2147483647;
      const change = ((this.#seed % 3001) - 1500) / 100000;
      const next = Math.max(0.01, Math.round(price * (1 + change) * 100) / 100);
      this.#prices.set(ticker, next);
      quotes.push({ ticker, price: next });
    }
    return quotes;
  }
}

const START_HOLDINGS: Record<string, Record<string, number>> = {
  fabrice: { CTXS: 24, DELL: 1, EMC: 3, GOOG: 4, MSFT: 55, ORCL: 34, RHT: 12, VMW: 45 },
  paulson: { CTXS: 35, DELL: 23, EMC: 53, GOOG: 15, MSFT: 10, ORCL: 14, RHT: 21, VMW: 6 },
  ann: { GOOG: 2, MSFT: 100, RHT: 8 },
};

/** The demo users and their passwords (it is a demo). */
export const DEMO_USERS: Record<string, string> = { fabrice: 'fabrice', paulson: 'paulson', ann: 'ann' };

/** Each user's holdings; trades change them. */
export class PortfolioService {
  readonly #holdings = new Map<string, Map<string, number>>();
  readonly #quotes: QuoteBook;

  constructor(quotes: QuoteBook) {
    this.#quotes = quotes;
    for (const [user, holdings] of Object.entries(START_HOLDINGS))
      this.#holdings.set(user, new Map(Object.entries(holdings)));
  }

  positions(user: string): Position[] {
    const holdings = this.#holdings.get(user) ?? new Map<string, number>();
    return this.#quotes.tickers.map((ticker) => ({
      ticker,
      shares: holdings.get(ticker) ?? 0,
      price: this.#quotes.price(ticker)!,
    }));
  }

  /** Executes a trade; returns the updated position or throws a TradeError saying why not. */
  trade(user: string, action: 'Buy' | 'Sell', ticker: string, shares: number): Position {
    const price = this.#quotes.price(ticker);
    if (price === undefined) throw new TradeError(`Unknown ticker ${ticker}`);
    if (!Number.isInteger(shares) || shares <= 0)
      throw new TradeError('Shares must be a positive whole number');
    let holdings = this.#holdings.get(user);
    if (holdings === undefined) this.#holdings.set(user, (holdings = new Map<string, number>()));
    const held = holdings.get(ticker) ?? 0;
    if (action === 'Sell' && shares > held) {
      throw new TradeError(`Rejected trade: cannot sell ${shares} ${ticker}, you hold ${held}`);
    }
    const next = action === 'Buy' ? held + shares : held - shares;
    holdings.set(ticker, next);
    return { ticker, shares: next, price };
  }
}
