'use strict';
// Start the cos-emulator (a local Tencent Cloud COS + STS) from Node tests. No dependencies.
//
//   const { startEmulator } = require('./cos-emulator');
//   const emu = await startEmulator({ bucket: 'examplebucket-1250000000' });
//   // emu.cos_endpoint, emu.sts_endpoint, emu.secret_id, emu.secret_key, emu.ca_cert_path …
//   await emu.reset();
//   await emu.stop();
//
// The binary is `options.bin`, else $COS_EMULATOR_BIN, else `cos-sts` on PATH (the Python
// wheel `cos-emulator` installs one). It is started with --stop-on-stdin-eof, so it also stops
// when this process exits.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const readline = require('node:readline');

function startEmulator(options = {}) {
  const bin = options.bin || process.env.COS_EMULATOR_BIN || 'cos-sts';
  const args = ['emulator', '--stop-on-stdin-eof'];
  if (options.bucket) args.push('--bucket', options.bucket);
  if (options.region) args.push('--region', options.region);
  if (options.https) args.push('--https');
  args.push(...(options.args || []));
  const child = spawn(bin, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...(options.env || {}) },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    const fail = (why) => { child.kill(); reject(new Error(`cos-sts emulator did not start: ${why} ${stderr}`.trim())); };
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code) => fail(`exited with ${code}`));
    lines.once('line', (line) => {
      child.removeAllListeners('exit');
      lines.close();
      let ready;
      try { ready = JSON.parse(line); } catch (e) { fail(`bad ready line ${line}`); return; }
      resolve(new Emulator(child, ready));
    });
  });
}

class Emulator {
  constructor(child, ready) {
    this.child = child;
    // The ready line's fields (`cos_endpoint`, `secret_id`, …); its `health` URLs are kept
    // as `health_urls` beside the `health()` method.
    const { health, ...fields } = ready;
    Object.assign(this, fields);
    this.health_urls = health;
    this.bucket = ready.buckets[0];
    this.ca = ready.ca_cert_path ? fs.readFileSync(ready.ca_cert_path) : undefined;
  }

  // One admin API call (`/_emulator/<path>`); resolves to { status, body } (body parsed JSON).
  request(method, path, body, { token = this.admin_token } = {}) {
    const url = new URL(`/_emulator/${path.replace(/^\//, '')}`, this.cos_endpoint);
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (data !== undefined) headers['content-type'] = 'application/json';
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(url, { method, headers, ca: this.ca }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => { text += chunk; });
        res.on('end', () => {
          let parsed = text;
          try { parsed = JSON.parse(text); } catch (e) { /* not JSON */ }
          resolve({ status: res.statusCode, body: parsed });
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  async admin(method, path, body) {
    const { status, body: answer } = await this.request(method, path, body);
    if (status !== 200) throw new Error(`${method} /_emulator/${path}: ${status} ${JSON.stringify(answer)}`);
    return answer;
  }

  health() { return this.request('GET', 'health', undefined, { token: null }).then((r) => r.body); }
  reset() { return this.admin('POST', 'reset'); }
  setClockOffset(seconds) { return this.admin('PUT', 'clock', { offset_seconds: seconds }); }
  setFaults(plan) { return this.admin('PUT', 'faults', plan); }
  clearFaults() { return this.admin('DELETE', 'faults'); }
  accessLog() { return this.admin('GET', 'access-log').then((a) => a.entries); }
  stsCalls() { return this.admin('GET', 'sts-calls').then((a) => a.entries); }

  // Stops the emulator (closes its standard input) and waits for it to exit.
  stop() {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => {
      this.child.once('exit', (code) => resolve(code));
      this.child.stdin.end();
    });
  }
}

module.exports = { startEmulator, Emulator };
