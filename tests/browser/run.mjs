// Browser end-to-end test (`cargo xtask browser`, also run by `cargo xtask ci`).
//
// A real headless Chromium, driven by playwright-core, loads index.html + page.js, which use
// the official cos-js-sdk-v5 whose getAuthorization calls `cos-sts serve --emulator` with a
// bearer token of user `alice`. The page uploads a small object (putObject) and a 3 MiB one
// in 1 MiB parts (uploadFile → multipart) under users/alice/, and tries users/bob/, which
// must fail with 403 (and bob, with his own key, finds nothing there and cannot read
// alice's object). This driver then checks from outside the browser: the multipart calls
// the page made, each object fetched through its presigned URL byte for byte, its CRC-64/XZ
// (COS's `crc64ecma`) computed here against the emulator's and the SDK's values, and that
// serve's logs hold no token. The Scope path: a second client POSTs the SDK's `Scope` list
// and passes `ScopeLimit` back; two objects get two narrowed keys, the second never the first.
//
// Environment (set by xtask/src/browser.rs):
//   COS_STS_BIN           the `cos-sts` binary
//   BROWSER_NODE_MODULES  node_modules holding playwright-core and cos-js-sdk-v5
//   BROWSER_WORK_DIR      scratch directory (config, Chromium profile), recreated each run
//   CHROMIUM              browser executable (default /usr/bin/chromium)
//
// Only loopback traffic; Chromium never downloads anything (playwright-core has no browser).
// Every child is killed on exit; the whole run is bounded by RUN_TIMEOUT_MS.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUN_TIMEOUT_MS = 150_000;
const STEP_TIMEOUT_MS = 60_000;
const HERE = dirname(fileURLToPath(import.meta.url));
const BUCKET = 'examplebucket-1250000000';
const REGION = 'ap-guangzhou';
const TOKEN_FILE = join(HERE, 'tokens.txt');
const ALICE_TOKEN = tokenOf('alice');
const BOB_TOKEN = tokenOf('bob');
const MIB = 1024 * 1024;
const UPLOADS = [
  { name: 'small', method: 'putObject', key: 'users/alice/browser/small.txt', size: 4099 },
  {
    name: 'multipart',
    method: 'uploadFile',
    key: 'users/alice/browser/multipart.bin',
    size: 3 * MIB + 12345,
    sliceSize: MIB,
    parts: 4,
  },
];
const DENIED_KEY = 'users/bob/browser/x.txt';
const SCOPED_KEYS = ['users/alice/browser/scoped-one.txt', 'users/alice/browser/scoped-two.txt'];

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) fail(`environment variable ${name} is not set`);
  return value;
};

// ---------------------------------------------------------------- CRC-64/XZ (crc64ecma)

const CRC_TABLE_HI = new Uint32Array(256);
const CRC_TABLE_LO = new Uint32Array(256);
{
  const poly = 0xc96c5795d7870f42n; // ECMA-182, reflected
  for (let n = 0; n < 256; n++) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    CRC_TABLE_HI[n] = Number(c >> 32n);
    CRC_TABLE_LO[n] = Number(c & 0xffffffffn);
  }
}

/** CRC-64/XZ of `bytes` as an unsigned decimal string, the format of x-cos-hash-crc64ecma. */
function crc64(bytes) {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    const index = (lo ^ bytes[i]) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ CRC_TABLE_LO[index]) >>> 0;
    hi = ((hi >>> 8) ^ CRC_TABLE_HI[index]) >>> 0;
  }
  const value = (BigInt((hi ^ 0xffffffff) >>> 0) << 32n) | BigInt((lo ^ 0xffffffff) >>> 0);
  return value.toString();
}

// ---------------------------------------------------------------- bookkeeping

const children = [];
const checks = [];
let cleaningUp = null;

function check(name, ok, detail = '') {
  checks.push({ name, ok: Boolean(ok), detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

class Fatal extends Error {}

function fail(message) {
  throw new Fatal(message);
}

function tokenOf(user) {
  for (const line of readFileSync(TOKEN_FILE, 'utf8').split('\n')) {
    const [token, subject] = line.trim().split(/\s+/);
    if (!line.startsWith('#') && subject === user) return token;
  }
  throw new Error(`no token for ${user} in ${TOKEN_FILE}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Fatal(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Deterministic pseudo-random bytes (xorshift32), so that CRCs are not trivial. */
function testBytes(size, seed) {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function killChildren() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`browser e2e: ${signal}, stopping`);
    killChildren();
    process.exit(1);
  });
}

// ---------------------------------------------------------------- the page server

function startPageServer(modules, sources) {
  const files = {
    '/': { path: join(HERE, 'index.html'), type: 'text/html; charset=utf-8' },
    '/page.js': { path: join(HERE, 'page.js'), type: 'text/javascript; charset=utf-8' },
    '/cos-js-sdk-v5.min.js': {
      path: join(modules, 'cos-js-sdk-v5', 'dist', 'cos-js-sdk-v5.min.js'),
      type: 'text/javascript; charset=utf-8',
    },
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url, 'http://127.0.0.1').pathname;
    let body = null;
    let type = 'application/octet-stream';
    if (request.method === 'GET' && files[path]) {
      body = readFileSync(files[path].path);
      type = files[path].type;
    } else if (request.method === 'GET' && path.startsWith('/data/') && sources[path.slice(6)]) {
      body = sources[path.slice(6)];
    } else if (path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    if (body === null) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ---------------------------------------------------------------- cos-sts serve --emulator

function startServe(binary, configPath, logs) {
  const child = spawn(
    binary,
    ['serve', '--config', configPath, '--emulator', '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'info' } },
  );
  children.push(child);
  child.stderr.on('data', (chunk) => logs.push(chunk.toString()));
  return withTimeout(
    new Promise((resolve, reject) => {
      let buffered = '';
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        reject(new Fatal(`cos-sts serve exited early (${code ?? signal}): ${logs.join('')}`)),
      );
      child.stdout.on('data', (chunk) => {
        buffered += chunk.toString();
        const newline = buffered.indexOf('\n');
        if (newline >= 0) {
          try {
            resolve({ child, ready: JSON.parse(buffered.slice(0, newline)) });
          } catch (e) {
            reject(new Fatal(`serve's ready line is not JSON: ${e}`));
          }
        }
      });
    }),
    30_000,
    'cos-sts serve to print its ready line',
  );
}

async function stopServe(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await withTimeout(exited, 10_000, 'cos-sts serve to stop').catch(() => child.kill('SIGKILL'));
}

// ---------------------------------------------------------------- the browser

async function launchChromium(playwright, executable, profile) {
  rmSync(profile, { recursive: true, force: true });
  mkdirSync(profile, { recursive: true });
  // launchPersistentContext passes `--user-data-dir=<profile>`: a fresh profile every run.
  return playwright.chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// ---------------------------------------------------------------- the test

async function main() {
  check(
    'CRC-64/XZ self-test ("123456789" = 0x995DC9BBDF1939FA)',
    crc64(new TextEncoder().encode('123456789')) === 0x995dc9bbdf1939fan.toString(),
  );
  const binary = env('COS_STS_BIN');
  const modules = env('BROWSER_NODE_MODULES');
  const work = env('BROWSER_WORK_DIR');
  const executable = env('CHROMIUM', '/usr/bin/chromium');
  const require = createRequire(join(modules, 'noop.js'));
  const playwright = require('playwright-core');
  mkdirSync(work, { recursive: true });

  const sources = {};
  UPLOADS.forEach((upload, i) => {
    sources[upload.name] = testBytes(upload.size, 0x9e3779b9 + i);
  });
  const pageServer = await startPageServer(modules, sources);
  const origin = `http://127.0.0.1:${pageServer.address().port}`;
  const configPath = join(work, 'serve.toml');
  writeFileSync(
    configPath,
    readFileSync(join(HERE, 'serve.toml.template'), 'utf8')
      .replaceAll('{{ORIGIN}}', origin)
      .replaceAll('{{TOKENS_FILE}}', TOKEN_FILE),
  );

  const serveLogs = [];
  const { child: serve, ready } = await startServe(binary, configPath, serveLogs);
  const cosEndpoint = ready?.emulator?.cos_endpoint;
  check('serve --emulator is ready with a COS endpoint', typeof cosEndpoint === 'string', ready?.url);
  if (typeof cosEndpoint !== 'string') fail('no emulator endpoint in the ready line');
  const cosDomain = new URL(cosEndpoint).host;

  let context = null;
  const requests = [];
  const consoleLines = [];
  try {
    context = await launchChromium(playwright, executable, join(work, 'chromium-profile'));
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error}`));
    page.on('request', (request) => {
      const url = new URL(request.url());
      requests.push({ method: request.method(), host: url.host, path: url.pathname, search: url.search });
    });
    await page.goto(`${origin}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.e2eReady === true && typeof COS === 'function');
    const result = await withTimeout(
      page.evaluate((config) => window.runE2E(config), {
        stsUrl: ready.url,
        token: ALICE_TOKEN,
        otherToken: BOB_TOKEN,
        cosDomain,
        bucket: BUCKET,
        region: REGION,
        uploads: UPLOADS.map((u) => ({ ...u, source: `/data/${u.name}` })),
        deniedKey: DENIED_KEY,
        scopedKeys: SCOPED_KEYS,
      }),
      STEP_TIMEOUT_MS,
      'the page to finish its uploads',
    );

    check('getAuthorization fetched keys from serve /sts', result.stsCalls >= 2 && result.stsFailures.length === 0,
      `calls ${result.stsCalls}, failures ${JSON.stringify(result.stsFailures)}`);
    const cosRequests = requests.filter((r) => r.host === cosDomain);
    const outside = requests.filter((r) => !r.host.startsWith('127.0.0.1:'));
    check('the page talked only to loopback', outside.length === 0, outside.map((r) => r.host).join(', '));

    for (const upload of UPLOADS) {
      const got = result.uploads[upload.name];
      const expected = crc64(sources[upload.name]);
      check(`${upload.name}: ${upload.method} to ${upload.key} succeeded`,
        got && !got.error && got.statusCode === 200, JSON.stringify(got?.error ?? got?.statusCode));
      check(`${upload.name}: the SDK saw x-cos-hash-crc64ecma = CRC-64 computed in Node`,
        got?.crc64 === expected, `${got?.crc64} vs ${expected}`);
      if (upload.parts) {
        const objectPath = `/${upload.key}`;
        const initiated = cosRequests.filter((r) => r.method === 'POST' && r.path === objectPath && /[?&]uploads(=|&|$)/.test(r.search));
        const parts = new Set(
          cosRequests
            .filter((r) => r.method === 'PUT' && r.path === objectPath && /[?&]partNumber=/.test(r.search))
            .map((r) => new URLSearchParams(r.search).get('partNumber')),
        );
        const completed = cosRequests.filter((r) => r.method === 'POST' && r.path === objectPath && /[?&]uploadId=/.test(r.search));
        check(`${upload.name}: uploaded as multipart (initiate, ${upload.parts} parts, complete)`,
          initiated.length === 1 && parts.size === upload.parts && completed.length === 1,
          `initiate ${initiated.length}, parts ${[...parts].sort().join(',')}, complete ${completed.length}`);
      }
      if (!got?.url) {
        check(`${upload.name}: the SDK presigned a GET URL`, false, JSON.stringify(got?.urlError));
        continue;
      }
      // From outside the browser, with the SDK's presigned URL (never printed: it holds the token).
      const response = await withTimeout(fetch(got.url), STEP_TIMEOUT_MS, `GET ${upload.key}`);
      const body = new Uint8Array(await response.arrayBuffer());
      check(`${upload.name}: GET through the presigned URL is 200`, response.status === 200, String(response.status));
      check(`${upload.name}: the object holds exactly the uploaded ${upload.size} bytes`,
        body.length === upload.size && Buffer.compare(Buffer.from(body), Buffer.from(sources[upload.name])) === 0,
        `${body.length} bytes`);
      check(`${upload.name}: the emulator's x-cos-hash-crc64ecma = CRC-64 of the bytes read back`,
        response.headers.get('x-cos-hash-crc64ecma') === expected && crc64(body) === expected,
        `${response.headers.get('x-cos-hash-crc64ecma')} vs ${expected}`);
    }

    const denied = result.denied;
    check(`upload to another user's prefix (${DENIED_KEY}) fails with 403 AccessDenied`,
      denied?.error?.statusCode === 403 && denied?.error?.code === 'AccessDenied',
      JSON.stringify(denied));
    const deniedPuts = cosRequests.filter((r) => r.method === 'PUT' && r.path === `/${DENIED_KEY}`);
    check('the denied upload reached the emulator', deniedPuts.length >= 1, `${deniedPuts.length} PUT`);
    check(`bob's own key finds nothing at ${DENIED_KEY} (HEAD 404)`,
      result.other?.deniedKeyHead?.statusCode === 404, JSON.stringify(result.other?.deniedKeyHead));
    const scoped = result.scoped;
    for (const upload of scoped?.uploads ?? []) {
      check(`Scope flow: putObject ${upload.key} with a narrowed key succeeded`,
        !upload.error && upload.statusCode === 200, JSON.stringify(upload.error ?? upload.statusCode));
    }
    check('Scope flow: both objects were uploaded', scoped?.uploads?.length === SCOPED_KEYS.length,
      JSON.stringify(scoped?.uploads));
    check('Scope flow: getAuthorization never failed', (scoped?.failures ?? []).length === 0,
      JSON.stringify(scoped?.failures));
    const keyFor = (key) => (scoped?.keys ?? []).filter((k) => k.prefixes.includes(key));
    const first = keyFor(SCOPED_KEYS[0]);
    const second = keyFor(SCOPED_KEYS[1]);
    check('Scope flow: every key asked for with a Scope is narrowed (ScopeLimit: true)',
      (scoped?.keys ?? []).length >= 2 && scoped.keys.every((k) => k.scopeLimit),
      JSON.stringify((scoped?.keys ?? []).map((k) => ({ scopeLimit: k.scopeLimit, prefixes: k.prefixes }))));
    check('Scope flow: the second object got its own key, never the first one',
      first.length >= 1 && second.length >= 1 && second.every((k) => !first.some((f) => f.id === k.id)),
      `${first.length} key(s) for the first object, ${second.length} for the second`);
    check(`bob's key cannot read ${UPLOADS[0].key} (403 AccessDenied)`,
      result.other?.readAlice?.statusCode === 403 && result.other?.readAlice?.code === 'AccessDenied',
      JSON.stringify(result.other?.readAlice));
  } finally {
    if (checks.some((c) => !c.ok) && consoleLines.length > 0) {
      console.log(`--- page console ---\n${consoleLines.join('\n')}`);
    }
    if (context) await withTimeout(context.close(), 15_000, 'Chromium to close').catch((e) => console.error(String(e)));
    await stopServe(serve);
    await new Promise((resolve) => pageServer.close(resolve));
  }
  const logs = serveLogs.join('');
  check('serve logged the /sts requests', logs.includes('/sts'));
  check("serve's logs hold no bearer token", !logs.includes(ALICE_TOKEN) && !logs.includes(BOB_TOKEN));
}

const watchdog = setTimeout(() => {
  console.error(`browser e2e: FAIL (the run took longer than ${RUN_TIMEOUT_MS} ms)`);
  killChildren();
  process.exit(1);
}, RUN_TIMEOUT_MS);

try {
  await main();
} catch (error) {
  check('the run completed', false, error instanceof Fatal ? error.message : error?.stack ?? String(error));
}
clearTimeout(watchdog);
const failed = checks.filter((c) => !c.ok);
if (failed.length === 0) {
  console.log(`browser e2e: PASS (${checks.length} checks)`);
  process.exit(0);
}
console.log(`browser e2e: FAIL (${failed.length} of ${checks.length} checks failed)`);
for (const c of failed) console.log(`  - ${c.name}${c.detail ? `: ${c.detail}` : ''}`);
killChildren();
process.exit(1);
