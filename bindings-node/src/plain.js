// A caller's value read into a plain copy and written as JSON text, within the
// manifest limits, refusing what JSON has no faithful form for (see
// `microgov::ffi::Fault`). Compiled once per Node environment by `crate::json`
// (`napi_run_script`: no module scope, only globals, read before user code can
// change them).
//
// `plain(value, maxDepth, maxValues, maxBytes, times)` returns the JSON text of the
// copy, or a refusal `{ fault, path, what, cause }`: `fault` a `Fault` name,
// `path` an RFC 6901 pointer into `value`, `what` the type or number named in the
// message (or, for the limits, `depth` / `values` / `bytes`), `cause` the id of
// the caller's own exception (a throwing getter or Proxy trap), which
// `plain.take(id)` hands back once, to become the error's `cause`.
//
// `times` (a regular expression's source, or undefined) matches the pointers where
// the format defines an RFC 3339 timestamp: a `Date` there is written as its
// `toISOString()`; anywhere else it is refused.
//
// A copy, not a check then `JSON.stringify(value)`: a getter or Proxy could
// answer differently the second time.
(function () {
  'use strict';
  const { getPrototypeOf, keys, getOwnPropertySymbols, getOwnPropertyDescriptor, create, defineProperty } = Object;
  const isEnumerable = Function.prototype.call.bind(Object.prototype.propertyIsEnumerable);
  const isArray = Array.isArray;
  const stringify = JSON.stringify;
  const OBJECT = Object.prototype;
  const DATE = Date.prototype;
  const getTime = Function.prototype.call.bind(Date.prototype.getTime);
  const toISOString = Function.prototype.call.bind(Date.prototype.toISOString);
  const patterns = new Map();
  const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
  const NON_ASCII = /[^\x00-\x7f]/;
  const causes = new Map();
  let nextCause = 1;

  class Refusal {
    constructor(fault, path, what, cause) {
      this.fault = fault;
      this.path = path;
      this.what = what;
      this.cause = cause;
    }
  }

  function pointer(path) {
    let out = '';
    for (const t of path) out += '/' + String(t).replace(/~/g, '~0').replace(/\//g, '~1');
    return out;
  }

  // UTF-8 length of `s`, or -1 when it holds a lone surrogate.
  function utf8(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff) {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (d < 0xdc00 || d > 0xdfff) return -1;
        n += 4;
        i++;
      } else if (c >= 0xdc00 && c <= 0xdfff) return -1;
      else n += 3;
    }
    return n;
  }

  // The name of a type without a JSON form, as the message shows it.
  function typeName(v) {
    const t = typeof v;
    if (t === 'undefined' || t === 'function') return t;
    if (t === 'symbol') return 'Symbol';
    if (t === 'bigint') return 'BigInt';
    try {
      const proto = getPrototypeOf(v);
      const ctor = proto && getOwnPropertyDescriptor(proto, 'constructor');
      const name = ctor && typeof ctor.value === 'function' ? ctor.value.name : '';
      return typeof name === 'string' && name ? name : 'object';
    } catch {
      return 'object';
    }
  }

  function plain(root, maxDepth, maxValues, maxBytes, times) {
    let timeAt = null;
    if (typeof times === 'string') {
      timeAt = patterns.get(times);
      if (!timeAt) patterns.set(times, (timeAt = new RegExp(times)));
    }
    let values = 0;
    let bytes = 0;
    const path = [];
    const open = [];

    function fail(fault, what, cause) {
      throw new Refusal(fault, pointer(path), what === undefined ? '' : what, cause);
    }

    function raised(e) {
      const id = nextCause++;
      causes.set(id, e);
      let what;
      try {
        what = e instanceof Error ? `${e.name}: ${e.message}` : `${typeof e}: ${String(e)}`;
      } catch {
        what = 'exception';
      }
      fail('raised', what, id);
    }

    function text(s) {
      let n = s.length;
      if (bytes + n > maxBytes) fail('too_large', 'bytes');
      if (NON_ASCII.test(s)) {
        n = utf8(s);
        if (n < 0) fail('lone_surrogate');
      }
      bytes += n;
      if (bytes > maxBytes) fail('too_large', 'bytes');
      return s;
    }

    function value(v, depth) {
      if (depth > maxDepth) fail('too_complex', 'depth');
      if (++values > maxValues) fail('too_complex', 'values');
      switch (typeof v) {
        case 'string':
          return text(v);
        case 'number':
          if (v !== v) fail('not_finite', 'NaN');
          if (v === Infinity) fail('not_finite', 'Infinity');
          if (v === -Infinity) fail('not_finite', '-Infinity');
          return v;
        case 'boolean':
          return v;
        case 'bigint':
          if (v > MAX_SAFE || v < -MAX_SAFE) fail('unsafe_integer');
          return Number(v);
        case 'object':
          return v === null ? null : container(v, depth);
        default:
          return fail('unsupported_type', typeName(v));
      }
    }

    function container(o, depth) {
      if (open.includes(o)) fail('cycle');
      let array = false;
      let proto = null;
      try {
        array = isArray(o);
        if (!array) proto = getPrototypeOf(o);
      } catch (e) {
        raised(e);
      }
      if (!array && proto === DATE && timeAt && timeAt.test(pointer(path))) {
        let ms;
        try {
          ms = getTime(o);
        } catch (e) {
          raised(e);
        }
        if (ms !== ms) fail('not_finite', 'an invalid Date');
        return text(toISOString(o));
      }
      if (!array && proto !== OBJECT && proto !== null) fail('unsupported_type', typeName(o));
      open.push(o);
      let out;
      if (array) {
        let len = 0;
        try {
          len = o.length;
        } catch (e) {
          raised(e);
        }
        out = [];
        for (let i = 0; i < len; i++) {
          path.push(i);
          let item;
          try {
            item = o[i];
          } catch (e) {
            raised(e);
          }
          out.push(value(item, depth + 1));
          path.pop();
        }
      } else {
        let names;
        try {
          names = keys(o);
          const syms = getOwnPropertySymbols(o);
          for (let j = 0; j < syms.length; j++) {
            if (isEnumerable(o, syms[j])) fail('key_not_string', 'Symbol');
          }
        } catch (e) {
          if (e instanceof Refusal) throw e;
          raised(e);
        }
        // No prototype: a member named `__proto__` stays a member.
        out = {};
        for (const k of names) {
          // A key is counted (and a lone surrogate in it refused) at its object's
          // pointer, which UTF-8 can always hold.
          text(k);
          path.push(k);
          let item;
          try {
            item = o[k];
          } catch (e) {
            raised(e);
          }
          if (k === '__proto__') defineProperty(out, k, { value: value(item, depth + 1), enumerable: true, writable: true, configurable: true });
          else out[k] = value(item, depth + 1);
          path.pop();
        }
      }
      open.pop();
      return out;
    }

    try {
      return stringify(value(root, 0));
    } catch (e) {
      if (e instanceof Refusal) return e;
      throw e;
    }
  }

  plain.take = function (id) {
    const cause = causes.get(id);
    causes.delete(id);
    return cause;
  };
  return plain;
})();
