/**
 * The subscribers of one kind of bus event, for every adapter: copy-on-write, so a handler added
 * or removed during delivery takes effect with the next event, and a throwing handler is reported
 * and never stops delivery to the others.
 */
export class Handlers<E> {
  private list: Array<(event: E) => void> = [];

  constructor(private readonly onError: (err: unknown, event: E) => void = () => undefined) {}

  /** Returns the function that ends the subscription. */
  add(handler: (event: E) => void): () => void {
    this.list = [...this.list, handler];
    return () => {
      this.list = this.list.filter((h) => h !== handler);
    };
  }

  deliver(event: E): void {
    for (const handler of this.list) {
      try {
        handler(event);
      } catch (err) {
        this.onError(err, event);
      }
    }
  }

  clear(): void {
    this.list = [];
  }
}
