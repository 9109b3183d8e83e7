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
  // Object ACL, tagging, APPEND and SSE.
  await p('putObject', { Key: 'node/attrs.txt', Body: Buffer.from('public'), ACL: 'public-read', StorageClass: 'STANDARD_IA',
    Headers: { 'x-cos-tagging': 'a=1' } });
  const acl = await p('getObjectAcl', { Key: 'node/attrs.txt' });
  if (acl.ACL !== 'public-read') throw new Error('acl: ' + JSON.stringify(acl));
  const anon = await new Promise((res, rej) => require('http').get(info.cos_endpoint + '/node/attrs.txt', r => {
    let b = ''; r.on('data', c => b += c); r.on('end', () => res([r.statusCode, b]));
  }).on('error', rej));
  if (anon[0] !== 200 || anon[1] !== 'public') throw new Error('anonymous read: ' + anon);
  await p('putObjectAcl', { Key: 'node/attrs.txt', ACL: 'private' });
  console.log('acl ok');
  await p('putObjectTagging', { Key: 'node/attrs.txt', Tags: [{ Key: 'k', Value: 'v' }] });
  const tags = await p('getObjectTagging', { Key: 'node/attrs.txt' });
  if (tags.Tags.length !== 1 || tags.Tags[0].Key !== 'k') throw new Error('tags: ' + JSON.stringify(tags));
  await p('deleteObjectTagging', { Key: 'node/attrs.txt' });
  const attrsHead = await p('headObject', { Key: 'node/attrs.txt' });
  if (attrsHead.headers['x-cos-storage-class'] !== 'STANDARD_IA') throw new Error('storage class');
  console.log('tagging ok');
  await p('appendObject', { Key: 'node/append.txt', Body: '12345', Position: 0 });
  const appended = await p('headObject', { Key: 'node/append.txt' });
  // As the SDK's own test does: the next position is the current length; unknown x-cos-* passes.
  await p('appendObject', { Key: 'node/append.txt', Body: '66666', Position: appended.headers['content-length'],
    Headers: { 'x-cos-test': 'test' } });
  const whole = await p('getObject', { Key: 'node/append.txt' });
  if (whole.Body.toString() !== '1234566666') throw new Error('append: ' + whole.Body);
  console.log('append ok');
  const sse = await p('putObject', { Key: 'node/sse.txt', Body: 's', ServerSideEncryption: 'AES256' });
  if (sse.headers['x-cos-server-side-encryption'] !== 'AES256') throw new Error('sse');
  console.log('sse ok');
  // Buckets with the root key: the SDK addresses <bucket>.cos.<region>.myqcloud.com and
  // cos.<region>.myqcloud.com, so the emulator is given as the HTTP proxy (it routes
  // absolute-form requests by host).
  const root = new COS({ SecretId: info.secret_id, SecretKey: info.secret_key, Protocol: 'http:', Proxy: info.cos_endpoint });
  const r = (fn, params) => new Promise((res, rej) => root[fn](Object.assign({ Region }, params), (e, d) => e ? rej(e) : res(d)));
  const refused = async (fn, params, status, code) => {
    try { await r(fn, params); } catch (e) {
      if (e.statusCode === status && JSON.stringify(e).includes(code)) return;
      throw e;
    }
    throw new Error(`${fn} succeeded, expected ${status} ${code}`);
  };
  const fresh = 'interop-node-' + Bucket.split('-').pop();
  await r('putBucket', { Bucket: fresh });
  await refused('putBucket', { Bucket: fresh }, 409, 'BucketAlreadyOwnedByYou');
  const names = (await r('getService', {})).Buckets.map(b => b.Name);
  if (!names.includes(fresh) || !names.includes(Bucket)) throw new Error('getService: ' + names);
  console.log('putBucket + getService', names);
  await r('putBucketCors', { Bucket: fresh, CORSRules: [{ AllowedOrigin: ['http://app.example'], AllowedMethod: ['GET', 'PUT'], AllowedHeader: ['*'], ExposeHeader: ['ETag'], MaxAgeSeconds: '60' }] });
  const rules = await r('getBucketCors', { Bucket: fresh });
  if (!JSON.stringify(rules.CORSRules).includes('http://app.example')) throw new Error('getBucketCors: ' + JSON.stringify(rules));
  // A browser's preflight is answered from those rules only.
  const preflight = (origin) => new Promise((res, rej) => {
    const req = require('http').request(`${info.cos_endpoint}/${fresh}/k`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT' } }, (resp) => { resp.resume(); res(resp); });
    req.on('error', rej);
    req.end();
  });
  const allowed = await preflight('http://app.example');
  if (allowed.statusCode !== 200 || allowed.headers['access-control-allow-origin'] !== 'http://app.example') throw new Error('preflight ' + allowed.statusCode);
  if ((await preflight('http://evil.example')).statusCode !== 403) throw new Error('preflight from another origin admitted');
  await r('deleteBucketCors', { Bucket: fresh });
  if ((await preflight('http://app.example')).statusCode !== 403) throw new Error('preflight admitted without rules');
  console.log('bucket cors ok');
  await r('putObject', { Bucket: fresh, Key: 'x.txt', Body: Buffer.from('x') });
  await refused('deleteBucket', { Bucket: fresh }, 409, 'BucketNotEmpty');
  await r('deleteObject', { Bucket: fresh, Key: 'x.txt' });
  await r('deleteBucket', { Bucket: fresh });
  if ((await r('getService', {})).Buckets.some(b => b.Name === fresh)) throw new Error('deleted bucket still listed');
  console.log('deleteBucket ok');
  console.log('NODE INTEROP OK');
})().catch(e => { console.error('FAILED', e); process.exit(1); });
