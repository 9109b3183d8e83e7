// The in-browser half of the browser end-to-end test (see run.mjs, which serves this file,
// calls `window.runE2E(config)` and checks what it returns from outside the browser).
//
// With the official cos-js-sdk-v5, whose getAuthorization fetches a temporary key from
// `cos-sts serve --emulator` with alice's bearer token, it uploads a small object (putObject)
// and a multipart one (uploadFile, slices of 1 MiB) under users/alice/, asks the SDK for
// presigned GET URLs of both, and tries an upload under users/bob/, which must be refused;
// then bob, with his own key, checks that nothing landed there and that he cannot read
// alice's object. Last, the Scope flow: a client whose getAuthorization POSTs the SDK's
// `Scope` list to /sts and passes the answer's `ScopeLimit` on uploads two objects; each
// gets its own narrowed key, the second never reusing the first.
'use strict';

(function () {
  function log(line) {
    console.log('[page] ' + line);
    var pre = document.getElementById('log');
    if (pre) pre.textContent += line + '\n';
  }

  // Runs one callback-style SDK call; resolves to {err, data} and never rejects.
  function call(cos, method, params) {
    return new Promise(function (resolve) {
      cos[method](params, function (err, data) {
        resolve({ err: err || null, data: data || null });
      });
    });
  }

  function header(data, name) {
    var headers = (data && data.headers) || {};
    var want = name.toLowerCase();
    for (var key in headers) {
      if (key.toLowerCase() === want) return String(headers[key]);
    }
    return null;
  }

  function describeError(err) {
    if (!err) return null;
    var inner = err.error || {};
    return {
      statusCode: err.statusCode || null,
      code: err.code || inner.Code || null,
      message: String(err.message || inner.Message || err),
    };
  }

  async function fetchBlob(path) {
    var response = await fetch(path);
    if (!response.ok) throw new Error('GET ' + path + ': ' + response.status);
    return response.blob();
  }

  // The getAuthorization callback argument for a key answered by serve (js shape).
  function authorization(key) {
    return {
      TmpSecretId: key.TmpSecretId,
      TmpSecretKey: key.TmpSecretKey,
      SecurityToken: key.SecurityToken,
      StartTime: key.StartTime,
      ExpiredTime: key.ExpiredTime,
      ScopeLimit: key.ScopeLimit,
    };
  }

  // Fetches a key from serve /sts and hands it to the SDK's callback; failures are counted
  // in `stats.failures` and given to the SDK as an empty key.
  function fetchKey(url, init, callback, stats, onKey) {
    fetch(url, init)
      .then(function (response) {
        if (!response.ok) throw new Error(init.method + ' /sts answered ' + response.status);
        return response.json();
      })
      .then(function (key) {
        onKey(key);
        callback(authorization(key));
      })
      .catch(function (e) {
        stats.failures.push(String(e));
        callback({ TmpSecretId: '', TmpSecretKey: '', SecurityToken: '' });
      });
  }

  // A COS client whose getAuthorization fetches a temporary key from serve with `token`.
  function client(config, token, stats) {
    return new COS({
      Protocol: 'http:',
      Domain: config.cosDomain,
      Timeout: 30000,
      getAuthorization: function (options, callback) {
        var init = { method: 'GET', headers: { Authorization: 'Bearer ' + token } };
        fetchKey(config.stsUrl + '/sts', init, callback, stats, function () {
          stats.calls += 1;
        });
      },
    });
  }

  // A COS client whose getAuthorization asks serve for a key narrowed to the SDK's Scope.
  function scopedClient(config, token, stats) {
    return new COS({
      Protocol: 'http:',
      Domain: config.cosDomain,
      Timeout: 30000,
      getAuthorization: function (options, callback) {
        var scope = options.Scope || [];
        var init = {
          method: 'POST',
          headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
          body: JSON.stringify({ Scope: scope }),
        };
        fetchKey(config.stsUrl + '/sts', init, callback, stats, function (key) {
          stats.keys.push({
            id: key.TmpSecretId,
            scopeLimit: key.ScopeLimit === true,
            prefixes: scope.map(function (s) { return s.prefix; }),
          });
        });
      },
    });
  }

  window.runE2E = async function (config) {
    var stats = { calls: 0, failures: [] };
    var cos = client(config, config.token, stats);
    var target = { Bucket: config.bucket, Region: config.region };
    var result = { stsCalls: 0, stsFailures: stats.failures, uploads: {}, denied: null, other: null };

    for (var i = 0; i < config.uploads.length; i++) {
      var upload = config.uploads[i];
      var body = await fetchBlob(upload.source);
      log(upload.name + ': ' + body.size + ' bytes to ' + upload.key + ' with ' + upload.method);
      var params = Object.assign({ Key: upload.key, Body: body }, target);
      if (upload.method === 'uploadFile') {
        params.SliceSize = upload.sliceSize;
        params.ChunkSize = upload.sliceSize;
      }
      var put = await call(cos, upload.method, params);
      var url = put.err
        ? { err: null, data: null }
        : await call(cos, 'getObjectUrl', Object.assign({ Key: upload.key, Sign: true, Expires: 600 }, target));
      result.uploads[upload.name] = {
        error: describeError(put.err),
        statusCode: put.data ? put.data.statusCode : null,
        crc64: header(put.data, 'x-cos-hash-crc64ecma'),
        etag: put.data ? put.data.ETag || header(put.data, 'etag') : null,
        size: body.size,
        url: url.data ? url.data.Url : null,
        urlError: describeError(url.err),
      };
      log(upload.name + ': ' + JSON.stringify(result.uploads[upload.name].error || 'ok'));
    }

    var denied = await call(
      cos,
      'putObject',
      Object.assign({ Key: config.deniedKey, Body: new Blob(['not yours']) }, target)
    );
    result.denied = {
      error: describeError(denied.err),
      statusCode: denied.data ? denied.data.statusCode : null,
    };
    log('denied upload: ' + JSON.stringify(result.denied));

    // The other user (bob), with his own key: the refused upload left nothing under his
    // prefix, and he cannot read alice's object either.
    var other = client(config, config.otherToken, stats);
    var absent = await call(other, 'headObject', Object.assign({ Key: config.deniedKey }, target));
    var foreign = await call(
      other,
      'getObject',
      Object.assign({ Key: config.uploads[0].key }, target)
    );
    result.other = {
      deniedKeyHead: describeError(absent.err) || { statusCode: absent.data && absent.data.statusCode },
      readAlice: describeError(foreign.err) || { statusCode: foreign.data && foreign.data.statusCode },
    };
    log('other user: ' + JSON.stringify(result.other));

    // The Scope flow: two objects, two narrowed keys.
    var scopedStats = { keys: [], failures: [] };
    var scoped = scopedClient(config, config.token, scopedStats);
    result.scoped = { uploads: [], keys: scopedStats.keys, failures: scopedStats.failures };
    for (var j = 0; j < config.scopedKeys.length; j++) {
      var put2 = await call(
        scoped,
        'putObject',
        Object.assign({ Key: config.scopedKeys[j], Body: new Blob(['scoped ' + j]) }, target)
      );
      result.scoped.uploads.push({
        key: config.scopedKeys[j],
        error: describeError(put2.err),
        statusCode: put2.data ? put2.data.statusCode : null,
      });
    }
    log('scoped: ' + JSON.stringify(result.scoped.uploads));
    result.stsCalls = stats.calls;
    return result;
  };
  window.e2eReady = true;
})();
