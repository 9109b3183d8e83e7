'use strict';
// The Node helper against the emulator binary ($COS_EMULATOR_BIN; `cargo xtask wheel` points
// it at the binary the Python wheel installed): endpoints and keys, health, the admin API,
// HTTPS with the generated CA (as the official Node STS SDK needs), and a clean stop.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { startEmulator } = require(path.join(__dirname, 'cos-emulator.js'));

test('fixed keys, endpoints, health and the admin API', async () => {
  const emu = await startEmulator({
    bucket: 'examplebucket-1250000000',
    env: { COS_EMULATOR_ROOT_SECRET_ID: 'AKIDNODETEST', COS_EMULATOR_ROOT_SECRET_KEY: 'node-secret' },
  });
  try {
    assert.strictEqual(emu.secret_id, 'AKIDNODETEST');
    assert.strictEqual(emu.secret_key, 'node-secret');
    assert.strictEqual(emu.bucket, 'examplebucket-1250000000');
    assert.match(emu.cos_endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepStrictEqual(await emu.health(), { status: 'ok', listener: 'cos' });
    assert.strictEqual((await emu.request('POST', 'reset', undefined, { token: 'wrong' })).status, 401);
    assert.strictEqual((await emu.setClockOffset(-60)).offset_seconds, -60);
    await emu.setFaults({ rules: [{ match: { key_prefix: 'flaky/' }, action: 'slow_down' }] });
    await assert.rejects(emu.setFaults({ rules: [{ action: 'explode' }] }), /400/);
    await emu.clearFaults();
    assert.deepStrictEqual(await emu.accessLog(), []);
    assert.deepStrictEqual(await emu.stsCalls(), []);
    assert.strictEqual((await emu.reset()).reset, true);
  } finally {
    assert.strictEqual(await emu.stop(), 0);
  }
});

test('https with the generated CA, removed at exit', async () => {
  const emu = await startEmulator({ https: true });
  const ca = emu.ca_cert_path;
  try {
    assert.match(emu.sts_endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(fs.readFileSync(ca, 'utf8').startsWith('-----BEGIN CERTIFICATE-----'));
    assert.strictEqual((await emu.health()).status, 'ok');
    // Without the CA the certificate is refused.
    emu.ca = undefined;
    await assert.rejects(emu.health(), /certificate/);
  } finally {
    await emu.stop();
  }
  assert.strictEqual(fs.existsSync(ca), false);
});
