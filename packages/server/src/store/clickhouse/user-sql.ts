/**
 * User SQL on ClickHouse, read before it is sent and after the server refuses it, so its refusals have DuckDB's codes
 * and messages (store/user-sql.ts). The server does the refusing (`readonly=1`); this file only lexes the text:
 * string literals, quoted names and comments are told apart from the code around them, as ClickHouse's lexer does
 * (src/Parsers/Lexer.cpp), so a `;` or `file(` inside a string or a comment counts for nothing.
 */
import type { StoreError } from '../store.js';
import { noStatement, notOneStatement, notSelect, readsFiles, tableFunctionRefused } from '../user-sql.js';

/** One statement of user SQL, checked: what to send, and how to name a table function the server refuses. */
export interface UserStatement {
  /** The statement's text without a trailing `;` and the comments after its last token (the client appends FORMAT). */
  text: string;
  /**
   * The refusal for a table function the server refused under readonly (its message names none): file access when
   * the statement calls a file or URL reader anywhere, else the first table function after FROM or JOIN, else
   * `fallback`.
   */
  tableFunctionRefusal(fallback: StoreError): StoreError;
}

/**
 * `sql` with every string literal, quoted name and comment blanked to spaces (same length, so offsets hold), and the
 * offsets of the `;` outside them. Quotes: '…' (backslash escapes, '' for a quote), "…" and `…` (names), -- to the
 * end of the line, /* … *\/. An unterminated literal or comment runs to the end (the server then refuses the text).
 */
function lex(sql: string): { code: string; semicolons: number[] } {
  const out = sql.split('');
  const semicolons: number[] = [];
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\') j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      // Keep the quotes, blank what is inside: `'x'` stays a literal to the patterns below.
      blank(i + 1, Math.min(j, sql.length));
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const j = end === -1 ? sql.length : end;
      blank(i, j);
      i = j;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const j = end === -1 ? sql.length : end + 2;
      blank(i, j);
      i = j;
    } else {
      if (c === ';') semicolons.push(i);
      i++;
    }
  }
  return { code: out.join(''), semicolons };
}

/**
 * Checks that `sql` is one statement starting with SELECT or WITH, as DuckDB's sandbox counts and classifies
 * (duckdb/sql-sandbox.ts): statements are counted first, then the kind is checked.
 * @throws StoreError STORE_QUERY_FAILED (only whitespace and comments), STORE_READ_ONLY_VIOLATION (more than one
 *   statement, or not a SELECT / WITH)
 */
export function userStatement(sql: string): UserStatement {
  const { code, semicolons } = lex(sql);
  const bounds = [-1, ...semicolons, sql.length];
  const pieces = bounds
    .slice(1)
    .map((end, k) => ({ start: bounds[k] + 1, end }))
    .filter(({ start, end }) => code.slice(start, end).trim() !== '');
  if (pieces.length === 0) throw noStatement();
  if (pieces.length > 1) throw notOneStatement(pieces.length);
  const { start, end } = pieces[0];
  const statement = code.slice(start, end);
  if (!/^\s*\(*\s*(SELECT|WITH)\b/i.test(statement)) throw notSelect();
  const last = start + statement.trimEnd().length;
  return {
    text: sql.slice(start, last),
    tableFunctionRefusal(fallback) {
      const calls = [...statement.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => m[1]);
      const reader = calls.find(readsFiles);
      if (reader) return tableFunctionRefused(reader, []);
      const table = /\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/i.exec(statement);
      return table ? tableFunctionRefused(table[1], []) : fallback;
    },
  };
}
