// HPKE (RFC 9180) base-mode single-shot Open on WebCrypto, for one suite only:
// DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM — the suite of the
// server's case envelopes ("HPKE-P256-SHA256-AES128GCM"). The private key never
// leaves this page: it is imported as a non-extractable ECDH key for each call.
//
// An ES module with no dependencies; it runs in browsers and in Node ≥ 19.

const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();

const KEM_ID = 0x0010; // DHKEM(P-256, HKDF-SHA256)
const KDF_ID = 0x0001; // HKDF-SHA256
const AEAD_ID = 0x0001; // AES-128-GCM
const N_SECRET = 32;
const N_PK = 65; // an uncompressed P-256 point: 0x04 || x || y
const N_K = 16;
const N_N = 12;
const N_H = 32; // SHA-256 output length
const MODE_BASE = 0x00;

const VERSION_LABEL = enc.encode('HPKE-v1');
const KEM_SUITE = concat(enc.encode('KEM'), i2osp(KEM_ID, 2));
const HPKE_SUITE = concat(enc.encode('HPKE'), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2));
const EMPTY = new Uint8Array(0);

/** The integer n as a big-endian byte string of length w (RFC 8017 I2OSP). */
function i2osp(n, w) {
  const out = new Uint8Array(w);
  for (let i = w - 1; i >= 0; i--) {
    out[i] = n & 0xff;
    n = Math.floor(n / 256);
  }
  return out;
}

/** Joins byte strings. */
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes from a Uint8Array, another typed array or view, or an ArrayBuffer. */
function bytes(v, what) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError('hpke: ' + what + ' must be bytes');
}

/** base64url (as in a JWK) to bytes. */
function fromBase64url(s) {
  const b64 = String(s).replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function hmac(key, data) {
  const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, data));
}

/** HKDF-Extract (RFC 5869 §2.2); an empty salt means HashLen zero bytes. */
async function extract(salt, ikm) {
  return hmac(salt.length ? salt : new Uint8Array(N_H), ikm);
}

/** HKDF-Expand (RFC 5869 §2.3). */
async function expand(prk, info, length) {
  if (length > 255 * N_H) throw new RangeError('hpke: expand length too large');
  const out = new Uint8Array(length);
  let t = EMPTY;
  for (let i = 1, at = 0; at < length; i++) {
    t = await hmac(prk, concat(t, info, Uint8Array.of(i)));
    out.set(t.subarray(0, Math.min(t.length, length - at)), at);
    at += t.length;
  }
  return out;
}

/** RFC 9180 §4: LabeledExtract(salt, label, ikm) for the given suite_id. */
function labeledExtract(suite, salt, label, ikm) {
  return extract(salt, concat(VERSION_LABEL, suite, enc.encode(label), ikm));
}

/** RFC 9180 §4: LabeledExpand(prk, label, info, L) for the given suite_id. */
function labeledExpand(suite, prk, label, info, length) {
  return expand(prk, concat(i2osp(length, 2), VERSION_LABEL, suite, enc.encode(label), info), length);
}

/** Parses a JWK (object or JSON text) for a P-256 private key; only the fields we need are kept. */
function parseJwk(privateKeyJwk) {
  const jwk = typeof privateKeyJwk === 'string' ? JSON.parse(privateKeyJwk) : privateKeyJwk;
  if (!jwk || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.x || !jwk.y) {
    throw new TypeError('hpke: the key is not a P-256 private key in JWK form');
  }
  return { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y), d: String(jwk.d) };
}

/** The uncompressed public point 0x04 || x || y of a JWK. */
function publicPoint(jwk) {
  const x = fromBase64url(jwk.x);
  const y = fromBase64url(jwk.y);
  if (x.length !== 32 || y.length !== 32) throw new TypeError('hpke: the key has a malformed public point');
  return concat(Uint8Array.of(0x04), x, y);
}

/**
 * The key's id as the server names recipients: the first 16 hex digits of
 * SHA-256 of the uncompressed public point.
 */
export async function keyIdFromJwk(privateKeyJwk) {
  const digest = new Uint8Array(await subtle.digest('SHA-256', publicPoint(parseJwk(privateKeyJwk))));
  return [...digest.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** DHKEM(P-256) Decap (RFC 9180 §4.1): the shared secret for enc and the recipient key. */
async function decap(jwk, encBytes) {
  if (encBytes.length !== N_PK || encBytes[0] !== 0x04) throw new Error('hpke: enc is not an uncompressed P-256 point');
  const skR = await subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const pkE = await subtle.importKey('raw', encBytes, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const dh = new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: pkE }, skR, 256));
  const kemContext = concat(encBytes, publicPoint(jwk));
  const eaePrk = await labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', dh);
  return labeledExpand(KEM_SUITE, eaePrk, 'shared_secret', kemContext, N_SECRET);
}

/** The base-mode key schedule (RFC 9180 §5.1): the AEAD key and base nonce. */
async function keySchedule(sharedSecret, info) {
  const pskIdHash = await labeledExtract(HPKE_SUITE, EMPTY, 'psk_id_hash', EMPTY);
  const infoHash = await labeledExtract(HPKE_SUITE, EMPTY, 'info_hash', info);
  const context = concat(Uint8Array.of(MODE_BASE), pskIdHash, infoHash);
  const secret = await labeledExtract(HPKE_SUITE, sharedSecret, 'secret', EMPTY);
  const key = await labeledExpand(HPKE_SUITE, secret, 'key', context, N_K);
  const baseNonce = await labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, N_N);
  return { key, baseNonce };
}

/**
 * Opens a single-shot HPKE base-mode ciphertext (sequence number 0, empty
 * AAD) with the recipient's private key as a JWK. Returns the plaintext as a
 * Uint8Array; throws when the key does not fit or the ciphertext does not
 * authenticate.
 */
export async function hpkeOpen(privateKeyJwk, encBytes, ciphertextBytes, infoBytes) {
  const jwk = parseJwk(privateKeyJwk);
  const encB = bytes(encBytes, 'enc');
  const ct = bytes(ciphertextBytes, 'ciphertext');
  const info = infoBytes === undefined ? EMPTY : bytes(infoBytes, 'info');
  const sharedSecret = await decap(jwk, encB);
  const { key, baseNonce } = await keySchedule(sharedSecret, info);
  const aesKey = await subtle.importKey('raw', key, { name: 'AES-GCM' }, false, ['decrypt']);
  // Sequence number 0: the nonce is the base nonce itself.
  const plain = await subtle.decrypt({ name: 'AES-GCM', iv: baseNonce, additionalData: EMPTY, tagLength: 128 }, aesKey, ct);
  return new Uint8Array(plain);
}
