/**
 * A PostHog capture request's payload → JSON text, in the order PostHog's capture reads it
 * (`rust/capture/src/payload/{common,decompression,types}.rs`): the POST body or GET `?data=`; a form body's `data=`
 * field; gzip by its magic bytes whatever the hint says (and any Content-Encoding); then the hint
 * (`compression=gzip|gzip-js|lz64|lz-string|base64|b64` from the query, the form or the header); a body that is
 * still base64 is decoded. Every inflation is capped at `maxInflatedBytes` (a bomb is cut off).
 */
import LZString from 'lz-string';
import { ApiError } from '../../api/errors.js';
import { decodeBody, hasGzipMagic, inflateBody, utf8Text } from '../decode.js';

export interface PayloadInput {
  body: Buffer | undefined;
  query: Record<string, string | undefined>;
  contentType?: string;
  contentEncoding?: string;
  /** A `compression` request header (PostHog reads the hint from there too). */
  compressionHeader?: string;
}

const BASE64 = /^[A-Za-z0-9+/=\s_-]+$/;

type Hint = 'gzip' | 'lz64' | 'base64' | undefined;

/** PostHog's hint values (`payload/types.rs`); anything else is unsupported. */
function hintOf(value: string | undefined): Hint {
  if (value === undefined || value === '') return undefined;
  switch (value.toLowerCase()) {
    case 'gzip':
    case 'gzip-js':
      return 'gzip';
    case 'lz64':
    case 'lz-string':
      return 'lz64';
    case 'base64':
    case 'b64':
      return 'base64';
    default:
      throw new ApiError(
        'INGEST_UNSUPPORTED_ENCODING',
        `compression "${value}" is not supported; use gzip, gzip-js, lz64, lz-string, base64 or b64`,
      );
  }
}

function tooLarge(max: number): ApiError {
  return new ApiError('INGEST_BODY_TOO_LARGE', `the payload decodes past the limit of ${max} bytes`);
}

function fromBase64(text: string, max: number): Buffer {
  const bytes = Buffer.from(text.replace(/\s/g, ''), text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (bytes.length > max) throw tooLarge(max);
  return bytes;
}

/**
 * The fields of a form body (application/x-www-form-urlencoded), the first of a repeated name winning as
 * URLSearchParams.get does; each name and value percent-decoded to bytes, then read by utf8Text, where URLSearchParams
 * would read bytes that are not UTF-8 as U+FFFD and the event would be stored changed.
 */
function formFields(body: Buffer): Map<string, string> {
  // latin1: a char a byte, so a field's bytes are had back exactly.
  const decoded = (field: string) =>
    utf8Text(
      Buffer.from(
        field
          .replace(/\+/g, ' ')
          .replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
        'latin1',
      ),
    );
  const fields = new Map<string, string>();
  for (const pair of body.toString('latin1').split('&')) {
    const at = pair.indexOf('=');
    const name = decoded(at < 0 ? pair : pair.slice(0, at));
    if (!fields.has(name)) fields.set(name, at < 0 ? '' : decoded(pair.slice(at + 1)));
  }
  return fields;
}

function looksLikeJson(text: string): boolean {
  const c = text.trimStart()[0];
  return c === '{' || c === '[';
}

/**
 * The payload as text.
 * @throws ApiError INGEST_NOT_A_BATCH (no payload), INGEST_UNSUPPORTED_ENCODING (an unknown hint),
 *   INGEST_BAD_ENCODING (gzip, base64 or lz-string that does not decode), INGEST_BODY_TOO_LARGE (past the cap)
 */
export async function decodePostHogPayload(input: PayloadInput, maxInflatedBytes: number): Promise<string> {
  const { query } = input;
  let hint = hintOf(query.compression ?? input.compressionHeader);
  let bytes: Buffer | undefined = input.body && input.body.length > 0 ? input.body : undefined;
  if (bytes === undefined && query.data) bytes = Buffer.from(query.data, 'utf8');
  if (bytes === undefined) throw new ApiError('INGEST_NOT_A_BATCH', 'the request has no payload (body or ?data=)');

  // Content-Encoding first (gzip also by its magic bytes, brotli and deflate by the header).
  if (input.contentEncoding || hasGzipMagic(bytes)) {
    bytes = await inflateBody(bytes, input.contentEncoding, maxInflatedBytes);
    if (hint === 'gzip') hint = undefined;
  }
  let text: string;
  if ((input.contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const form = formFields(bytes);
    const data = form.get('data');
    if (data === undefined) throw new ApiError('INGEST_NOT_A_BATCH', 'the form has no "data" field');
    hint = hintOf(form.get('compression')) ?? hint;
    // A form decoder turns base64's '+' into a space; PostHog restores it in base64 (decoded below, gzip too). JSON
    // stays as sent: its spaces are spaces.
    text = looksLikeJson(data) ? data : data.replace(/ /g, '+');
  } else if (hint === 'gzip') {
    throw new ApiError(
      'INGEST_BAD_ENCODING',
      `compression=${query.compression ?? 'gzip'} but the body is not gzip data`,
    );
  } else {
    text = utf8Text(bytes);
  }
  if (hint === 'lz64') {
    const out = LZString.decompressFromBase64(text.trim().replace(/ /g, '+'));
    if (!out) throw new ApiError('INGEST_BAD_ENCODING', 'the body is not valid lz-string (lz64) data');
    if (out.length > maxInflatedBytes) throw tooLarge(maxInflatedBytes);
    text = out;
  }
  // base64, by hint or because the payload still is (legacy paths wrap it twice; PostHog decodes optimistically).
  for (let round = 0; round < 2 && !looksLikeJson(text); round++) {
    const t = text.trim();
    if (t === '' || !BASE64.test(t)) break;
    const decoded = fromBase64(t, maxInflatedBytes);
    const unwrapped = hasGzipMagic(decoded) ? await decodeBody(decoded, 'gzip', maxInflatedBytes) : utf8Text(decoded);
    // Text that only looked like base64 ("garbage") decodes to neither JSON nor base64: kept as sent, so an error
    // quotes what the client sent, not bytes it never wrote.
    if (!looksLikeJson(unwrapped) && !BASE64.test(unwrapped.trim())) break;
    text = unwrapped;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}
