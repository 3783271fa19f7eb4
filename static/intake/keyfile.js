// A reader's private key file (.jwk, made by `parentline keygen`), read in the
// browser for the pages that decrypt: the intake view (/intake/) and the
// interest registrations' staff view. The key stays in the caller's memory,
// imported only to check it; it is never stored or sent anywhere.

import { keyIdFromJwk } from './hpke.js';

/** The largest file taken for a key file (a P-256 JWK is a few hundred bytes). */
export const MAX_KEY_FILE = 64 * 1024;

/**
 * Why a key file was refused. code names the pages' message for it: 'keyNoCrypto' (no
 * WebCrypto here, e.g. not https), 'keyTooBig' or 'keyBad'.
 */
export class KeyFileError extends Error {
  constructor(code) {
    super(`key file: ${code}`);
    this.code = code;
  }
}

function readText(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener('load', () => resolve(String(reader.result)));
    reader.addEventListener('error', () => reject(reader.error));
    reader.readAsText(file);
  });
}

/**
 * Reads file as a P-256 private key in JWK form, checks it by importing it
 * (non-extractable) and returns { jwk, id }, id being the key id the server
 * names recipients by. Throws a KeyFileError.
 */
export async function readKeyFile(file) {
  if (!globalThis.crypto || !crypto.subtle) throw new KeyFileError('keyNoCrypto');
  if (file.size > MAX_KEY_FILE) throw new KeyFileError('keyTooBig');
  try {
    const raw = JSON.parse(await readText(file));
    if (!raw || raw.kty !== 'EC' || raw.crv !== 'P-256' || !raw.d || !raw.x || !raw.y) throw new Error('not a key');
    const jwk = { kty: 'EC', crv: 'P-256', x: String(raw.x), y: String(raw.y), d: String(raw.d) };
    await crypto.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    return { jwk, id: await keyIdFromJwk(jwk) };
  } catch {
    throw new KeyFileError('keyBad');
  }
}
