// What the README's controller example imports from "your app": the smallest real versions.
import type { HandshakeInterceptor } from 'switchboard';

export class TradeError extends Error {}

export class PortfolioService {
  readonly #shares = new Map<string, number>();

  positions(user: string): { ticker: string; shares: number }[] {
    return [...this.#shares].flatMap(([key, shares]) => {
      const [owner, ticker] = key.split(':');
      return owner === user && ticker !== undefined ? [{ ticker, shares }] : [];
    });
  }

  trade(
    user: string,
    action: 'Buy' | 'Sell',
    ticker: string,
    shares: number,
  ): { ticker: string; shares: number } {
    const key = `${user}:${ticker}`;
    const held = (this.#shares.get(key) ?? 0) + (action === 'Buy' ? shares : -shares);
    if (held < 0) throw new TradeError(`Not enough ${ticker} shares`);
    this.#shares.set(key, held);
    return { ticker, shares: held };
  }
}

export const portfolios = new PortfolioService();

export const quotes = {
  tick: (): { ticker: string; price: number }[] => [{ ticker: 'GOOG', price: 893.49 }],
};

export const sessionCookieLogin: HandshakeInterceptor = {
  beforeHandshake(request) {
    const name = request.cookies.user;
    if (name !== undefined) request.setPrincipal({ name });
    return true;
  },
};
