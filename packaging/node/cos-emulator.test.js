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

// The official Node STS SDK (`qcloud-cos-sts`, which only speaks https) against the
// emulator's STS over HTTPS: the SDK runs in a child process that trusts the generated CA
// through NODE_EXTRA_CA_CERTS. `cargo xtask wheel` installs the SDK and sets NODE_PATH.
test('the official Node STS SDK issues a key over https', async () => {
  const { execFile } = require('node:child_process');
  const sdk = require.resolve('qcloud-cos-sts');
  const emu = await startEmulator({ https: true, bucket: 'examplebucket-1250000000' });
  try {
    const script = `
      const STS = require(${JSON.stringify(sdk)});
      // By hand: the SDK's getPolicy adds a \`principal\`, which our policy validator refuses.
      const policy = { version: '2.0', statement: [{ effect: 'allow', action: ['name/cos:PutObject'],
        resource: ['qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/a/*'] }] };
      STS.getCredential({ secretId: process.env.ID, secretKey: process.env.KEY,
        host: process.env.HOST, region: 'ap-guangzhou', durationSeconds: 900, policy })
        .then((c) => console.log(JSON.stringify(c)), (e) => { console.error(JSON.stringify(e)); process.exit(1); });`;
    const output = await new Promise((resolve, reject) => {
      execFile(process.execPath, ['-e', script], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: emu.ca_cert_path, ID: emu.secret_id,
          KEY: emu.secret_key, HOST: new URL(emu.sts_endpoint).host },
      }, (err, stdout, stderr) => (err ? reject(new Error(`${err} ${stderr}`)) : resolve(stdout)));
    });
    const credentials = JSON.parse(output).credentials;
    assert.match(credentials.tmpSecretId, /^AKID/);
    assert.ok(credentials.sessionToken);
    const calls = await emu.stsCalls();
    assert.strictEqual(calls.length, 1);
    assert.strictEqual(calls[0].action, 'GetFederationToken');
    assert.strictEqual(calls[0].issued_key, credentials.tmpSecretId);
  } finally {
    await emu.stop();
  }
});
