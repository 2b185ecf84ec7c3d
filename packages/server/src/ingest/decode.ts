/**
 * Turns a request body into text: Content-Encoding handled with a cap on the inflated size, so a gzip bomb is cut off
 * while inflating. A body that starts with gzip's magic bytes is gunzipped even without Content-Encoding: a beacon
 * cannot set headers, and PostHog's capture sniffs the same bytes (`has_gzip_magic_header`, docs/posthog.md).
 */
import { isUtf8 } from 'node:buffer';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ApiError } from '../api/errors.js';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

export const SUPPORTED_ENCODINGS = ['identity', 'gzip', 'x-gzip', 'deflate', 'br'];

async function inflateWith(encoding: string, body: Buffer, maxOutputLength: number): Promise<Buffer> {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return gunzip(body, { maxOutputLength });
    case 'deflate':
      // RFC 9110 deflate is zlib-wrapped, but some clients send raw deflate; accept both.
      return inflate(body, { maxOutputLength }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ERR_BUFFER_TOO_LARGE') throw error;
        return inflateRaw(body, { maxOutputLength });
      });
    case 'br':
      return brotli(body, { maxOutputLength });
    default:
      throw new ApiError(
        'INGEST_UNSUPPORTED_ENCODING',
        `Content-Encoding "${encoding}" is not supported; use one of ${SUPPORTED_ENCODINGS.join(', ')}`,
      );
  }
}

/**
 * The text of UTF-8 bytes. A byte of a sequence that is not UTF-8 (a stray continuation byte, an overlong form, an
 * encoded surrogate, a cut sequence, 0xF5–0xFF) becomes a lone surrogate, U+DC00 + its value (U+DC80–U+DCFF, as
 * Python's surrogateescape), never U+FFFD: the event holding it is then refused as `invalid_unicode`
 * (one-reading.ts `unreadableBytes`) instead of being stored changed. Valid UTF-8 never gives a lone surrogate.
 */
export function utf8Text(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let text = '';
  let run = 0; // where the current run of valid sequences began
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    text += bytes.toString('utf8', run, i) + String.fromCharCode(0xdc00 + bytes[i]);
    run = ++i;
  }
  return text + bytes.toString('utf8', run);
}

/** The length of the well-formed UTF-8 sequence at `i` (Unicode's Table 3-7), or 0 when there is none. */
function sequenceLength(b: Buffer, i: number): number {
  const first = b[i];
  if (first < 0x80) return 1;
  const n =
    first >= 0xc2 && first <= 0xdf ? 2 : first >= 0xe0 && first <= 0xef ? 3 : first >= 0xf0 && first <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return 0;
  for (let k = 1; k < n; k++) if ((b[i + k] & 0xc0) !== 0x80) return 0;
  const second = b[i + 1];
  if (first === 0xe0 && second < 0xa0) return 0; // overlong
  if (first === 0xed && second > 0x9f) return 0; // a surrogate
  if (first === 0xf0 && second < 0x90) return 0; // overlong
  if (first === 0xf4 && second > 0x8f) return 0; // past U+10FFFF
  return n;
}

/** A UTF-8 byte-order mark opening the text is not part of the JSON: RFC 8259 §8.1 lets a parser ignore it. */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** gzip's magic bytes and its only compression method, deflate: `1f 8b 08` (RFC 1952 §2.3.1). */
export function hasGzipMagic(body: Buffer): boolean {
  return body.length >= 3 && body[0] === 0x1f && body[1] === 0x8b && body[2] === 0x08;
}

/** The body's text (utf8Text), inflated first when `contentEncoding` (or gzip's magic bytes) says so; see inflateBody. */
export async function decodeBody(
  body: Buffer,
  contentEncoding: string | undefined,
  maxInflatedBytes: number,
): Promise<string> {
  return withoutBom(utf8Text(await inflateBody(body, contentEncoding, maxInflatedBytes)));
}

/**
 * The body's bytes, inflated when `contentEncoding` (or gzip's magic bytes) says so.
 * @throws ApiError INGEST_UNSUPPORTED_ENCODING, INGEST_BODY_TOO_LARGE (inflating past `maxInflatedBytes`),
 *   INGEST_BAD_ENCODING (data the encoding cannot read)
 */
export async function inflateBody(
  body: Buffer,
  contentEncoding: string | undefined,
  maxInflatedBytes: number,
): Promise<Buffer> {
  let encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if ((encoding === '' || encoding === 'identity') && hasGzipMagic(body)) encoding = 'gzip';
  if (encoding === '' || encoding === 'identity') return body;
  try {
    return await inflateWith(encoding, body, maxInflatedBytes);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ApiError(
        'INGEST_BODY_TOO_LARGE',
        `the ${encoding} body inflates past the limit of ${maxInflatedBytes} bytes`,
      );
    }
    throw new ApiError('INGEST_BAD_ENCODING', `the body is not valid ${encoding} data: ${(error as Error).message}`);
  }
}
