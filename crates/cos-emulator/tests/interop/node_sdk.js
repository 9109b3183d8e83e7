// Interop check with the official cos-nodejs-sdk-v5 (argument or $COS_EMULATOR_READY: the JSON ready line of `cos-sts emulator`).
// Run from a directory where `npm install cos-nodejs-sdk-v5` was done; prints NODE INTEROP OK.
const COS = require('cos-nodejs-sdk-v5');
const fs = require('fs');
const info = JSON.parse(process.argv[2] || process.env.COS_EMULATOR_READY);
const host = info.cos_endpoint.replace('http://', '');
const cos = new COS({ SecretId: info.secret_id, SecretKey: info.secret_key, Protocol: 'http:', Domain: host });
const Bucket = info.buckets[0], Region = info.region;
const p = (fn, params) => new Promise((res, rej) => cos[fn](Object.assign({ Bucket, Region }, params), (e, d) => e ? rej(e) : res(d)));
(async () => {
  const put = await p('putObject', { Key: 'node/a.txt', Body: Buffer.from('hello node') });
  console.log('put', put.statusCode, put.ETag);
  const get = await p('getObject', { Key: 'node/a.txt' });
  if (get.Body.toString() !== 'hello node') throw new Error('bad body');
  fs.writeFileSync(require('path').join(require('os').tmpdir(), 'cos-emulator-node-big.bin'), Buffer.alloc(3 * 1024 * 1024 + 5, 7));
  const up = await p('sliceUploadFile', { Key: 'node/big.bin', FilePath: require('path').join(require('os').tmpdir(), 'cos-emulator-node-big.bin'), ChunkSize: 1024 * 1024 });
  console.log('slice', up.statusCode, up.ETag);
  const list = await p('getBucket', { Prefix: 'node/' });
  console.log('list', list.Contents.map(c => c.Key));
  const head = await p('headObject', { Key: 'node/big.bin' });
  console.log('head', head.headers['content-length'], head.headers['x-cos-hash-crc64ecma']);
  try { await p('getObject', { Key: 'node/missing' }); } catch (e) { console.log('missing', e.statusCode, e.code); }
  console.log('NODE INTEROP OK');
})().catch(e => { console.error('FAILED', e); process.exit(1); });
