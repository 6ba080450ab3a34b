/**
 * Where a cursor-paged list stands (`?cursor=` from the previous answer's `nextCursor`): the cursors of
 * the pages before the current one are kept, so the list can go back as well as on.
 */
export class CursorPages {
  private readonly before: (string | undefined)[] = [];
  /** The cursor of the page shown; undefined for the first. */
  current: string | undefined;
  private next: string | null = null;

  get pageNumber(): number {
    return this.before.length + 1;
  }

  get hasPrevious(): boolean {
    return this.before.length > 0;
  }

  get hasNext(): boolean {
    return this.next !== null;
  }

  /** The current page was read; `nextCursor` is its answer's. */
  loaded(nextCursor: string | null): void {
    this.next = nextCursor;
  }

  forward(): void {
    if (this.next === null) return;
    this.before.push(this.current);
    this.current = this.next;
    this.next = null;
  }

  back(): void {
    if (this.before.length === 0) return;
    this.current = this.before.pop();
    this.next = null;
  }
}
