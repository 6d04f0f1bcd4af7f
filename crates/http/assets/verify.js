// 数桥: checks, in the person's own browser, that every access listed on 谁用了我的数据 is in
// the audit log the platform signed. Nothing the server says is taken on trust: the
// checkpoint's Ed25519 signature is checked against the published key (C2SP signed note), each
// entry's leaf hash is computed from its canonical bytes, which must say what the row shows,
// and its RFC 9162 inclusion proof must lead from that leaf to the signed root.
(function () {
  'use strict';

  var enc = new TextEncoder();

  function b64(s) {
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function unhex(s) {
    if (!/^([0-9a-f]{2})*$/i.test(s)) throw new Error('not hex');
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }

  function concat(parts) {
    var n = 0;
    parts.forEach(function (p) { n += p.length; });
    var out = new Uint8Array(n);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function same(a, b) {
    if (a.length !== b.length) return false;
    var d = 0;
    for (var i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }

  function sha256(bytes) {
    return crypto.subtle.digest('SHA-256', bytes).then(function (h) { return new Uint8Array(h); });
  }

  // The note's body (origin, size, base64 root, each ending in a newline) and its signature
  // lines ("— name base64(keyhash ‖ signature)").
  function parseNote(text) {
    var split = text.lastIndexOf('\n\n');
    if (split < 0) throw new Error('no signatures');
    var body = text.slice(0, split + 1);
    var sigs = text.slice(split + 2).split('\n').filter(function (l) { return l.length > 0; })
      .map(function (line) {
        if (line.indexOf('\u2014 ') !== 0) throw new Error('signature line');
        var rest = line.slice(2);
        var space = rest.lastIndexOf(' ');
        var blob = b64(rest.slice(space + 1));
        if (blob.length !== 68) throw new Error('signature length');
        return { name: rest.slice(0, space), hash: blob.slice(0, 4), sig: blob.slice(4) };
      });
    var lines = body.split('\n');
    var size = lines[1];
    if (!/^(0|[1-9][0-9]*)$/.test(size)) throw new Error('size');
    var root = b64(lines[2]);
    if (root.length !== 32) throw new Error('root');
    return { body: body, origin: lines[0], size: Number(size), root: root, sigs: sigs };
  }

  // The verifier key "name+hash+base64(0x01 ‖ key)"; its hash is the first four bytes of
  // SHA-256(name ‖ "\n" ‖ 0x01 ‖ key), and must match both the text and the signature line.
  function parseKey(text) {
    var a = text.indexOf('+');
    var b = text.indexOf('+', a + 1);
    if (a < 1 || b < 0) throw new Error('key');
    var name = text.slice(0, a);
    var raw = b64(text.slice(b + 1).trim());
    if (raw.length !== 33 || raw[0] !== 1) throw new Error('key type');
    return { name: name, hashHex: text.slice(a + 1, b), raw: raw };
  }

  function signatureValid(note, key) {
    return sha256(concat([enc.encode(key.name + '\n'), key.raw])).then(function (h) {
      var kh = h.slice(0, 4);
      if (!same(kh, unhex(key.hashHex))) return false;
      var line = note.sigs.filter(function (s) { return s.name === key.name && same(s.hash, kh); })[0];
      if (!line) return false;
      return crypto.subtle.importKey('raw', key.raw.slice(1), { name: 'Ed25519' }, false, ['verify'])
        .then(function (k) {
          return crypto.subtle.verify({ name: 'Ed25519' }, k, line.sig, enc.encode(note.body));
        });
    });
  }

  // The entry's canonical encoding (crates/core/src/audit/entry.rs): a version byte, the time
  // (i64 big-endian), then strings length-prefixed (u32 big-endian), optional ones flagged.
  function decodeEntry(bytes) {
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    var at = 0;
    var dec = new TextDecoder('utf-8', { fatal: true });
    function take(n) {
      if (at + n > bytes.length) throw new Error('truncated');
      var out = bytes.subarray(at, at + n);
      at += n;
      return out;
    }
    function u32() { var v = view.getUint32(at); take(4); return v; }
    function i64() { var v = view.getBigInt64(at); take(8); return Number(v); }
    function str() { return dec.decode(take(u32())); }
    function opt(f) {
      var flag = take(1)[0];
      if (flag === 0) return null;
      if (flag !== 1) throw new Error('flag');
      return f();
    }
    if (take(1)[0] !== 1) throw new Error('version');
    var e = { time: i64(), org: str() };
    e.system = opt(str);
    e.person = opt(str);
    e.action = str();
    e.resource = opt(str);
    e.version = opt(i64);
    e.grant = opt(str);
    e.purpose = opt(str);
    e.result = str();
    var n = u32();
    for (var i = 0; i < n; i++) str();
    if (at !== bytes.length) throw new Error('trailing bytes');
    return e;
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  // Whether the row shows what the entry says: each cell names the code, the purpose and
  // grant as recorded, the time as China time (either language's date).
  function rowMatches(row, e) {
    function cell(name) {
      var c = row.querySelector('[data-field="' + name + '"]');
      return c ? c.textContent : '';
    }
    var has = function (name, v) { return v === null || v === '' || cell(name).indexOf(v) >= 0; };
    var t = new Date(e.time + 8 * 3600 * 1000);
    var y = t.getUTCFullYear();
    var m = t.getUTCMonth() + 1;
    var d = t.getUTCDate();
    var when = cell('time');
    var clock = pad(t.getUTCHours()) + ':' + pad(t.getUTCMinutes()) + ':' + pad(t.getUTCSeconds());
    var day = when.indexOf(y + '年' + m + '月' + d + '日') >= 0 || when.indexOf(y + '-' + pad(m) + '-' + pad(d)) >= 0;
    return day && when.indexOf(clock) >= 0 && has('org', e.org) && has('system', e.system) &&
      has('resource', e.resource) && cell('purpose') === (e.purpose || '') && cell('grant') === (e.grant || '');
  }

  function node(left, right) {
    return sha256(concat([new Uint8Array([1]), left, right]));
  }

  // RFC 9162 §2.1.3.2, with plain numbers (indices stay far below 2^53).
  function inclusionValid(leaf, index, size, proof, root) {
    if (index >= size) return Promise.resolve(false);
    var fn = index;
    var sn = size - 1;
    var r = Promise.resolve(leaf);
    var failed = false;
    proof.forEach(function (p) {
      if (failed) return;
      if (sn === 0) { failed = true; return; }
      if (fn % 2 === 1 || fn === sn) {
        r = r.then(function (x) { return node(p, x); });
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = r.then(function (x) { return node(x, p); });
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    });
    if (failed) return Promise.resolve(false);
    return r.then(function (x) { return sn === 0 && same(x, root); });
  }

  function show(el, text, state) {
    el.textContent = text;
    el.className = 'verify-state tag' + (state === 'bad' ? ' tag-overdue' : '');
    el.setAttribute('data-state', state);
  }

  function run(box) {
    var rows = Array.prototype.slice.call(document.querySelectorAll('tr[data-leaf]'));
    var overall = document.getElementById('verify-overall');
    var msg = function (k) { return box.getAttribute('data-msg-' + k) || ''; };
    rows.forEach(function (row) { show(row.querySelector('.verify-state'), msg('checking'), 'checking'); });
    overall.textContent = msg('checking');
    overall.setAttribute('data-state', 'checking');

    var note;
    var key;
    try {
      note = parseNote(box.getAttribute('data-checkpoint') || '');
      key = parseKey(box.getAttribute('data-key') || '');
    } catch (e) {
      finish(false, 'sig');
      return;
    }

    function finish(ok, why) {
      if (!ok) {
        rows.forEach(function (row) {
          var el = row.querySelector('.verify-state');
          if (el.getAttribute('data-state') === 'checking') {
            show(el, why === 'unsupported' ? msg('unsupported') : msg('bad'), why === 'unsupported' ? 'unsupported' : 'bad');
          }
        });
      }
      var text = ok ? msg('all-ok') : why === 'sig' ? msg('sig-bad') : why === 'unsupported' ? msg('unsupported') : msg('some-bad');
      overall.textContent = text;
      overall.className = ok ? 'banner' : 'error-summary';
      overall.setAttribute('data-state', ok ? 'ok' : why === 'unsupported' ? 'unsupported' : 'bad');
    }

    signatureValid(note, key).then(function (sigOk) {
      if (!sigOk) { finish(false, 'sig'); return; }
      return Promise.all(rows.map(function (row) {
        var el = row.querySelector('.verify-state');
        var check;
        try {
          // The leaf is hashed here from the entry's own bytes, and the row must show what
          // those bytes say: a proof of some other entry proves nothing about this row.
          var bytes = b64(row.getAttribute('data-entry') || '');
          var shown = rowMatches(row, decodeEntry(bytes));
          var proofText = row.getAttribute('data-proof') || '';
          var proof = proofText === '' ? [] : proofText.split(',').map(unhex);
          check = sha256(concat([new Uint8Array([0]), bytes])).then(function (leaf) {
            return shown && inclusionValid(leaf, Number(row.getAttribute('data-index')), note.size, proof, note.root);
          });
        } catch (e) {
          check = Promise.resolve(false);
        }
        return check.then(function (ok) {
          show(el, ok ? msg('ok') : msg('bad'), ok ? 'ok' : 'bad');
          return ok;
        }, function () { show(el, msg('bad'), 'bad'); return false; });
      })).then(function (results) {
        finish(results.every(function (x) { return x; }), 'rows');
      });
    }, function (e) {
      // Web Crypto without Ed25519 refuses the key: say so rather than claim anything.
      finish(false, e && e.name === 'NotSupportedError' ? 'unsupported' : 'sig');
    }).catch(function () {
      // Anything unexpected is a failed check, never a silent "checking" or a success.
      finish(false, 'rows');
    });
  }

  function start() {
    var box = document.getElementById('verify');
    if (!box) return;
    if (!window.crypto || !crypto.subtle) {
      var overall = document.getElementById('verify-overall');
      overall.textContent = box.getAttribute('data-msg-unsupported');
      overall.setAttribute('data-state', 'unsupported');
      return;
    }
    var again = document.getElementById('verify-again');
    if (again) {
      again.hidden = false;
      again.addEventListener('click', function () { run(box); });
    }
    run(box);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
