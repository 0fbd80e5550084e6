/**
 * The one CSV reader and writer, for the app's exports, the CLI and the benchmarks.
 *
 * Reading: RFC 4180 quoting for comma, tab and semicolon; runs of whitespace for
 * whitespace-separated logs (CDNOW); CRLF or LF; each record with the line it starts on.
 *
 * Writing:
 *
 * - RFC 4180: fields holding a comma, quote, CR or LF are quoted, quotes doubled;
 *   records end with CRLF unless the caller asks for LF (the CLI prints lines).
 * - Formula injection (OWASP "CSV Injection", ASVS 1.2.10): a text field a spreadsheet
 *   would evaluate gets a leading apostrophe. Spreadsheets skip leading whitespace and
 *   control characters before deciding a cell is a formula, so " =1+1" and
 *   "\u0000=1+1" are guarded as well as "=1+1"; a field starting with tab, CR or NUL
 *   is guarded outright.
 * - Numbers are data: a JS number, or a decimal string passed through `numeric()`
 *   (e.g. money "-12.50" that must keep its two decimals), is written as is. A number
 *   can't hold a formula, and "'-12.50" would turn a numeric column into text. Text
 *   that merely looks numeric (a customer named "-5") is still text and guarded: only
 *   the caller knows a column is numeric.
 * Pure; no I/O.
 */

/** A value the caller vouches is a plain decimal number, written unguarded. */
export interface CsvNumeric {
  readonly csvNumeric: string;
}

export type CsvValue = string | number | bigint | boolean | null | undefined | CsvNumeric;

const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * Marks a decimal string ("-12.50") as numeric data. Anything that is not a plain
 * decimal ("1e+21", "-1+1") stays text and is guarded like any other text.
 */
export function numeric(text: string): CsvNumeric | string {
  return PLAIN_DECIMAL.test(text) ? { csvNumeric: text } : text;
}

/** Characters that start a formula in Excel, LibreOffice or Google Sheets, as OWASP lists them, plus NUL (ASVS). */
const FORMULA_START = new Set(["=", "+", "-", "@", "\t", "\r", "\0"]);

/**
 * Whether a spreadsheet could read this text as a formula: its first character that is
 * not whitespace or a control character is = + - @, or it starts with tab, CR or NUL.
 */
export function looksLikeFormula(text: string): boolean {
  if (text.length === 0) return false;
  if (FORMULA_START.has(text[0])) return true;
  const first = text.charCodeAt(0);
  if (first > 0x20 && first < 0x7f) return false; // printable ASCII that is not a trigger: the common case
  for (const ch of text) {
    if (isBlankOrControl(ch)) continue;
    return FORMULA_START.has(ch);
  }
  return false;
}

function isBlankOrControl(ch: string): boolean {
  // \s covers Unicode spaces (NBSP, ideographic space, BOM); \p{Cc} and \p{Cf} the C0/C1
  // controls and invisible format characters (zero-width space and joiners).
  return /^[\s\p{Cc}\p{Cf}]$/u.test(ch);
}

/** One field, guarded and quoted. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "object") return value.csvNumeric;
  const text = looksLikeFormula(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface CsvLineOptions {
  /** Record terminator: CRLF (RFC 4180, the default) or LF. */
  eol?: "\r\n" | "\n";
}

/** One record, terminator included. */
export function csvLine(fields: readonly CsvValue[], { eol = "\r\n" }: CsvLineOptions = {}): string {
  let out = "";
  for (let i = 0; i < fields.length; i++) out += (i === 0 ? "" : ",") + csvField(fields[i]);
  return out + eol;
}

/** A whole table (header first), each record terminated. */
export function csvTable(rows: readonly (readonly CsvValue[])[], options: CsvLineOptions = {}): string {
  let out = "";
  for (const row of rows) out += csvLine(row, options);
  return out;
}

/** How fields are separated. */
export type CsvDelimiter = "comma" | "tab" | "semicolon" | "whitespace";

/** Decides from the header line: comma, then tab, then semicolon, else runs of whitespace. */
export function detectDelimiter(text: string): CsvDelimiter {
  const end = text.indexOf("\n");
  const first = end < 0 ? text : text.slice(0, end);
  if (first.includes(",")) return "comma";
  if (first.includes("\t")) return "tab";
  if (first.includes(";")) return "semicolon";
  return "whitespace";
}

/** Records with the line they start on. RFC 4180 quoting for comma/tab/semicolon; CRLF or LF. */
export function* readRecords(text: string, delimiter: CsvDelimiter): Generator<{ line: number; fields: string[] }> {
  if (delimiter === "whitespace") {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const trimmed = lines[i].trim();
      if (trimmed !== "") yield { line: i + 1, fields: trimmed.split(/\s+/) };
    }
    return;
  }
  const sep = delimiter === "comma" ? "," : delimiter === "tab" ? "\t" : ";";
  let line = 1;
  let i = 0;
  const len = text.length;
  while (i < len) {
    const startLine = line;
    const fields: string[] = [];
    let field = "";
    let endOfRecord = false;
    while (!endOfRecord) {
      if (text[i] === '"') {
        // Quoted field: "" is a literal quote; newlines inside are part of the value.
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            field += text.slice(i);
            i = len;
            break;
          }
          const chunk = text.slice(i, q);
          for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === 10) line++;
          field += chunk;
          if (text[q + 1] === '"') {
            field += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
      }
      // Unquoted part (or what follows a closing quote) up to the separator or line end.
      let j = i;
      while (j < len && text[j] !== sep && text[j] !== "\n" && text[j] !== "\r") j++;
      field += text.slice(i, j);
      i = j;
      fields.push(field);
      field = "";
      if (i >= len) {
        endOfRecord = true;
      } else if (text[i] === sep) {
        i++;
      } else {
        if (text[i] === "\r") i++;
        if (text[i] === "\n") i++;
        line++;
        endOfRecord = true;
      }
    }
    if (fields.length === 1 && fields[0].trim() === "") continue; // blank line
    yield { line: startLine, fields };
  }
}
