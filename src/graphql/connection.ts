import type { RowLoader } from '../db/batch';
import type { ChildPageKey, NewestFirstPosition } from '../db/child-page-loader';
import { badUserInput } from './errors';

/** What an `…Edge` type resolves from. */
export interface EdgeModel<T> {
  cursor: string;
  node: T;
}

/**
 * What an `…Connection` type resolves from. `totalCount` runs its query only
 * when asked for; edges and cursors are made only when selected (most
 * clients read `nodes`), so a page of rows costs no cursor encoding.
 */
export interface ConnectionModel<T> {
  nodes: T[];
  readonly edges: EdgeModel<T>[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: () => Promise<number> | number;
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** A page request, validated: which way to read, how many, and from where. */
export interface PageRequest {
  direction: 'forward' | 'backward';
  size: number;
  cursor: CursorValue | null;
  /** The ordering the cursors belong to (cursors of another ordering are refused). */
  sortKey: string;
}

/** The sort key of the item a cursor points at, plus its id as tie-breaker. */
export type CursorValue = [sortValue: string | number | null, id: number];

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

const MAX_ID = 2_147_483_647;

/** A cursor is base64url of `[sortKey, sortValue, id]`; the sort key ties it to one ordering. */
export function encodeCursor(sortKey: string, [value, id]: CursorValue): string {
  return Buffer.from(JSON.stringify([sortKey, value, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, sortKey: string, argument: string): CursorValue {
  const invalid = (reason = '') => badUserInput(`"${argument}" is not a valid cursor${reason}.`, argument);
  if (cursor.length > 500) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) throw invalid();
  const [key, value, id] = decoded as unknown[];
  if (typeof key !== 'string' || !(typeof value === 'string' || typeof value === 'number' || value === null)) throw invalid();
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > MAX_ID) throw invalid();
  if (key !== sortKey) throw invalid(' for this ordering');
  return [value, id];
}

function pageSize(value: number, argument: string): number {
  if (value < 0 || value > MAX_PAGE_SIZE) {
    throw badUserInput(`"${argument}" must be between 0 and ${MAX_PAGE_SIZE} (got ${value}).`, argument);
  }
  return value;
}

/**
 * Validates Relay pagination arguments: `first`/`after` page forwards,
 * `last`/`before` backwards; mixing directions or a size above 100 is
 * BAD_USER_INPUT.
 */
export function parsePageArgs(args: PageArgs, sortKey: string, defaultSize = DEFAULT_PAGE_SIZE): PageRequest {
  const forward = args.first != null || args.after != null;
  const backward = args.last != null || args.before != null;
  if (forward && backward) {
    throw badUserInput('Use "first"/"after" or "last"/"before", not both.', args.last != null ? 'last' : 'before');
  }
  if (backward) {
    return {
      direction: 'backward',
      size: pageSize(args.last ?? defaultSize, 'last'),
      cursor: args.before != null ? decodeCursor(args.before, sortKey, 'before') : null,
      sortKey,
    };
  }
  return {
    direction: 'forward',
    size: pageSize(args.first ?? defaultSize, 'first'),
    cursor: args.after != null ? decodeCursor(args.after, sortKey, 'after') : null,
    sortKey,
  };
}

/**
 * Builds a connection from rows fetched in reading order with one extra row
 * (`size + 1`) to tell whether more exist. Backward pages arrive reversed and
 * are put back in display order here. `hasPreviousPage` on a forward page
 * (and `hasNextPage` on a backward one) is true when a cursor was given, as
 * the Relay specification permits, which saves a query.
 */
export function buildConnection<T>(
  rows: T[],
  page: PageRequest,
  cursorOf: (row: T) => CursorValue,
  totalCount: ConnectionModel<T>['totalCount'],
): ConnectionModel<T> {
  return new Connection(rows, page, cursorOf, totalCount);
}

/** A page of rows; cursors and page info are made only when read (a list page makes many of these). */
class Connection<T> implements ConnectionModel<T> {
  readonly nodes: T[];
  private readonly hasMore: boolean;

  constructor(
    rows: T[],
    private readonly page: PageRequest,
    private readonly cursorOf: (row: T) => CursorValue,
    readonly totalCount: ConnectionModel<T>['totalCount'],
  ) {
    this.hasMore = rows.length > page.size;
    this.nodes = this.hasMore ? rows.slice(0, page.size) : rows;
    if (page.direction === 'backward') this.nodes = this.nodes === rows ? [...rows].reverse() : this.nodes.reverse();
  }

  private cursor(node: T): string {
    return encodeCursor(this.page.sortKey, this.cursorOf(node));
  }

  get edges(): EdgeModel<T>[] {
    return this.nodes.map((node) => ({ cursor: this.cursor(node), node }));
  }

  get pageInfo(): ConnectionModel<T>['pageInfo'] {
    const { direction, cursor } = this.page;
    const first = this.nodes[0];
    const last = this.nodes[this.nodes.length - 1];
    const cursorOf = (node: T) => this.cursor(node);
    return {
      hasNextPage: direction === 'forward' ? this.hasMore : cursor !== null,
      hasPreviousPage: direction === 'backward' ? this.hasMore : cursor !== null,
      get startCursor() {
        return first === undefined ? null : cursorOf(first);
      },
      get endCursor() {
        return last === undefined ? null : cursorOf(last);
      },
    };
  }
}

/** Field resolvers shared by every connection type. */
export const connectionResolvers = {
  totalCount: <T>(connection: ConnectionModel<T>) => connection.totalCount(),
};

/** The cursor of a row in newest-first order: ("createdAt", "id") descending. */
export function newestFirstCursor(row: { createdAt: Date; id: number }): CursorValue {
  return [row.createdAt.toISOString(), row.id];
}

/**
 * A forward page in newest-first order, as every child list (reviews,
 * category products, orders) reads: `first`/`after` only, and a cursor whose
 * value must be a timestamp (a forged one is BAD_USER_INPUT, never a fault).
 */
export function parseNewestFirstPage(args: PageArgs): PageRequest & { after: NewestFirstPosition | null } {
  const page = parsePageArgs({ first: args.first, after: args.after }, 'NEWEST');
  if (!page.cursor) return { ...page, after: null };
  const createdAt = typeof page.cursor[0] === 'string' ? new Date(page.cursor[0]) : new Date(Number.NaN);
  if (Number.isNaN(createdAt.getTime())) throw badUserInput('"after" is not a valid cursor.', 'after');
  return { ...page, after: { createdAt, id: page.cursor[1] } };
}

/**
 * A parent's children as a newest-first connection, through a child-page
 * loader, so a whole page of parents costs one statement; at once, without a
 * promise, when the page was read ahead.
 */
export function childConnection<T extends { createdAt: Date; id: number }>(
  loader: RowLoader<ChildPageKey, T[], string>,
  parentId: number,
  args: PageArgs,
  totalCount: ConnectionModel<T>['totalCount'],
): ConnectionModel<T> | Promise<ConnectionModel<T>> {
  const page = parseNewestFirstPage(args);
  if (page.size === 0) return buildConnection<T>([], page, newestFirstCursor, totalCount);
  const key = { parentId, take: page.size + 1, after: page.after };
  const known = loader.peek(key);
  if (known) return buildConnection(known, page, newestFirstCursor, totalCount);
  return loader.load(key).then((rows) => buildConnection(rows, page, newestFirstCursor, totalCount));
}
