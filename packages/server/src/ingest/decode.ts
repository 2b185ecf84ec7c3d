/**
 * Turns a request body into text: Content-Encoding handled with a cap on the inflated size, so a gzip bomb is cut off
 * while inflating. A body that starts with gzip's magic bytes is gunzipped even without Content-Encoding: a beacon
 * cannot set headers, and PostHog's capture sniffs the same bytes (`has_gzip_magic_header`, docs/posthog.md).
 */
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

/** A UTF-8 byte-order mark opening the text is not part of the JSON: RFC 8259 §8.1 lets a parser ignore it. */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** gzip's magic bytes and its only compression method, deflate: `1f 8b 08` (RFC 1952 §2.3.1). */
export function hasGzipMagic(body: Buffer): boolean {
  return body.length >= 3 && body[0] === 0x1f && body[1] === 0x8b && body[2] === 0x08;
}

export async function decodeBody(
  body: Buffer,
  contentEncoding: string | undefined,
  maxInflatedBytes: number,
): Promise<string> {
  let encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if ((encoding === '' || encoding === 'identity') && hasGzipMagic(body)) encoding = 'gzip';
  if (encoding === '' || encoding === 'identity') return withoutBom(body.toString('utf8'));
  try {
    return withoutBom((await inflateWith(encoding, body, maxInflatedBytes)).toString('utf8'));
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
