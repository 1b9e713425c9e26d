//! Canonical JSON written straight from typed data: compact, object keys
//! sorted by their UTF-8 bytes, numbers as serde_json writes them.
//!
//! The input digest hashes the manifest and the context in this form. It
//! used to be written from the regorus value of the input; writing it from
//! the typed manifest instead lets the engine build only the parts of
//! `input.app` its policies read (see `input::Needs`), and skips a tree of
//! several hundred values per decision.
//!
//! For everything microgov's documents hold (strings, integers, booleans,
//! null, arrays, objects) the bytes equal `serde_json::to_vec` of
//! `serde_json::to_value(x)` (tested on every fixture). Strings and integers
//! go through the audit log's RFC 8785 writers, whose escaping is
//! serde_json's.

use crate::audit::jcs::{write_int, write_str};
use serde::ser::{self, Serialize};
use std::fmt;

/// The canonical JSON of `value`.
#[cfg(test)]
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut w = Writer::new();
    w.write(value)?;
    Ok(w.out)
}

/// What cannot be written as JSON (a map key that is not a string or a number).
#[derive(Debug)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error(e.to_string())
    }
}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// One object member already written: its key and its `"key":value`
/// bytes (in `out`).
struct Entry {
    key: Key,
    bytes: (usize, usize),
}

/// A struct field's name, or a map key's text in `Writer::keys`.
#[derive(Clone, Copy)]
enum Key {
    Field(&'static str),
    Text(usize, usize),
}

impl Key {
    fn bytes<'k>(&self, keys: &'k [u8]) -> &'k [u8] {
        match *self {
            Key::Field(k) => k.as_bytes(),
            Key::Text(a, b) => &keys[a..b],
        }
    }
}

/// Writes canonical JSON into `out`; keep one to reuse its buffers.
///
/// Object members are written in the order serde gives them (a struct's
/// fields come in declaration order) and put in key order when the object
/// ends; every open object shares `keys` and `entries`.
pub(crate) struct Writer {
    pub out: Vec<u8>,
    scratch: Vec<u8>,
    keys: Vec<u8>,
    entries: Vec<Entry>,
    /// How many objects had to be put in key order (for tests: the
    /// manifest's structs come sorted).
    pub reordered: usize,
    /// Addresses of field names known to need no escape ([`Writer::plain_field`]).
    plain: Vec<usize>,
}

const PLAIN_SLOTS: usize = 64;

impl Writer {
    pub const fn new() -> Writer {
        Writer { out: Vec::new(), scratch: Vec::new(), keys: Vec::new(), entries: Vec::new(), reordered: 0, plain: Vec::new() }
    }

    /// Appends the canonical JSON of `value` to `out`.
    pub fn write<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let r = value.serialize(&mut *self);
        self.entries.clear();
        self.keys.clear();
        r
    }

    /// Whether a struct field's name needs no escape. Field names are a
    /// small static set written over and over (a manifest has over a
    /// thousand), so the answer is kept by the name's address.
    fn plain_field(&mut self, name: &'static str) -> bool {
        let addr = name.as_ptr() as usize;
        let slot = (addr >> 3) % PLAIN_SLOTS;
        if self.plain.is_empty() {
            // On the heap: writers live in thread-locals, and static TLS is scarce in a dlopen'd extension.
            self.plain = vec![0; PLAIN_SLOTS];
        }
        if self.plain.get(slot) == Some(&addr) {
            return true;
        }
        let plain = needs_no_escape(name);
        if plain {
            if let Some(s) = self.plain.get_mut(slot) {
                *s = addr;
            }
        }
        plain
    }

    /// Empties the buffers, and gives back their memory after a huge document.
    pub fn clear(&mut self) {
        self.out.clear();
        if self.out.capacity() + self.scratch.capacity() > 1 << 20 {
            *self = Writer::new();
        }
    }

    fn open_object(&mut self) -> Object<'_> {
        self.out.push(b'{');
        Object { start: self.out.len(), entries_mark: self.entries.len(), keys_mark: self.keys.len(), pending: None, w: self }
    }
}

/// An open JSON array.
pub(crate) struct Array<'w> {
    w: &'w mut Writer,
    first: bool,
}

/// An open JSON object.
pub(crate) struct Object<'w> {
    w: &'w mut Writer,
    /// Where the members start in `out` (after `{`).
    start: usize,
    entries_mark: usize,
    keys_mark: usize,
    /// A map key given, its value not yet: (key, member start).
    pending: Option<(Key, usize)>,
}

impl<'w> Object<'w> {
    /// Writes `,"key":` and returns the member's start.
    fn begin(&mut self, key: Key) -> Result<usize, Error> {
        let w = &mut *self.w;
        if w.entries.len() > self.entries_mark {
            w.out.push(b',');
        }
        let at = w.out.len();
        let (text, plain) = match key {
            Key::Field(k) => (k, w.plain_field(k)),
            // Written from `&str`s and integers: UTF-8.
            Key::Text(a, b) => {
                let t = std::str::from_utf8(&w.keys[a..b]).map_err(|e| Error(e.to_string()))?;
                (t, needs_no_escape(t))
            }
        };
        if plain {
            // A name that needs no escape (every field name): one copy.
            w.out.reserve(text.len() + 3);
            w.out.push(b'"');
            w.out.extend_from_slice(text.as_bytes());
            w.out.extend_from_slice(b"\":");
        } else {
            write_str(&mut w.out, text);
            w.out.push(b':');
        }
        Ok(at)
    }

    fn finish_member(&mut self, key: Key, at: usize) {
        let end = self.w.out.len();
        self.w.entries.push(Entry { key, bytes: (at, end) });
    }

    /// Puts the members in key order and writes `}`.
    fn close(self) -> &'w mut Writer {
        let w = self.w;
        let entries = &mut w.entries[self.entries_mark..];
        let keys = &w.keys;
        let sorted = entries.windows(2).all(|p| less(p[0].key.bytes(keys), p[1].key.bytes(keys)));
        if !sorted {
            w.reordered += 1;
            entries.sort_unstable_by(|a, b| a.key.bytes(keys).cmp(b.key.bytes(keys)));
            w.scratch.clear();
            w.scratch.extend_from_slice(&w.out[self.start..]);
            w.out.truncate(self.start);
            for (i, e) in entries.iter().enumerate() {
                if i > 0 {
                    w.out.push(b',');
                }
                w.out.extend_from_slice(&w.scratch[e.bytes.0 - self.start..e.bytes.1 - self.start]);
            }
        }
        w.out.push(b'}');
        w.entries.truncate(self.entries_mark);
        w.keys.truncate(self.keys_mark);
        w
    }
}

fn needs_no_escape(s: &str) -> bool {
    s.bytes().all(|c| c >= 0x20 && c != b'"' && c != b'\\')
}

/// `a < b` bytewise, inline: keys are short, and a `memcmp` call per
/// adjacent pair of members cost more than the comparison.
fn less(a: &[u8], b: &[u8]) -> bool {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x < y;
        }
    }
    a.len() < b.len()
}

impl<'w> ser::Serializer for &'w mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'w>;
    type SerializeTuple = Array<'w>;
    type SerializeTupleStruct = Array<'w>;
    type SerializeTupleVariant = Variant<Array<'w>>;
    type SerializeMap = Object<'w>;
    type SerializeStruct = Object<'w>;
    type SerializeStructVariant = Variant<Object<'w>>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        write_int(&mut self.out, v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        match i64::try_from(v) {
            Ok(i) => write_int(&mut self.out, i),
            Err(_) => self.out.extend_from_slice(v.to_string().as_bytes()),
        }
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // serde_json's shortest form; `null` for NaN and infinities, as serde_json writes them.
        serde_json::to_writer(&mut self.out, &v)?;
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(&mut self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut a = self.serialize_seq(Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut a, b)?;
        }
        ser::SerializeSeq::end(a)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, variant: &'static str, value: &T) -> Result<(), Error> {
        let mut o = self.open_object();
        let at = o.begin(Key::Field(variant))?;
        value.serialize(&mut *o.w)?;
        o.finish_member(Key::Field(variant), at);
        o.close();
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'w>, Error> {
        self.out.push(b'[');
        Ok(Array { w: self, first: true })
    }
    fn serialize_tuple(self, len: usize) -> Result<Array<'w>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Array<'w>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Variant<Array<'w>>, Error> {
        // `{"variant":[...]}`: the outer object has one member, so it needs no sorting.
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.extend_from_slice(b":[");
        Ok(Variant(Array { w: self, first: true }))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Object<'w>, Error> {
        Ok(self.open_object())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Object<'w>, Error> {
        Ok(self.open_object())
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Variant<Object<'w>>, Error> {
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.push(b':');
        Ok(Variant(self.open_object()))
    }
}

impl ser::SerializeSeq for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !std::mem::take(&mut self.first) {
            self.w.out.push(b',');
        }
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.w.out.push(b']');
        Ok(())
    }
}

impl ser::SerializeTuple for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let k0 = self.w.keys.len();
        key.serialize(KeyWriter(&mut self.w.keys))?;
        let key = Key::Text(k0, self.w.keys.len());
        self.pending = Some((key, self.begin(key)?));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let (key, at) = self.pending.take().ok_or_else(|| Error("map value without a key".into()))?;
        value.serialize(&mut *self.w)?;
        self.finish_member(key, at);
        Ok(())
    }
    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        let at = self.begin(Key::Field(key))?;
        value.serialize(&mut *self.w)?;
        self.finish_member(Key::Field(key), at);
        Ok(())
    }
    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

/// An enum variant with content: `{"variant":<content>}`.
pub(crate) struct Variant<C>(C);

impl ser::SerializeTupleVariant for Variant<Array<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(&mut self.0, value)
    }
    fn end(self) -> Result<(), Error> {
        self.0.w.out.extend_from_slice(b"]}");
        Ok(())
    }
}

impl ser::SerializeStructVariant for Variant<Object<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(&mut self.0, key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.0.close().out.push(b'}');
        Ok(())
    }
}

/// Writes a map key's raw text: strings as they are, numbers and booleans
/// as their JSON text (as serde_json does); anything else is an error.
struct KeyWriter<'k>(&'k mut Vec<u8>);

impl KeyWriter<'_> {
    fn text(self, s: &str) -> Result<(), Error> {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
    fn refuse<T>() -> Result<T, Error> {
        Err(Error("an object key must be a string or a number".into()))
    }
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Error> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.text(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        write_int(self.0, v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        Self::refuse()
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        Self::refuse()
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Self::refuse()
    }
    fn serialize_none(self) -> Result<(), Error> {
        Self::refuse()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        Self::refuse()
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Self::refuse()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Self::refuse()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, _: &'static str, _: &T) -> Result<(), Error> {
        Self::refuse()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Self::refuse()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Self::refuse()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Self::refuse()
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeTupleVariant, Error> {
        Self::refuse()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Self::refuse()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Self::refuse()
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeStructVariant, Error> {
        Self::refuse()
    }
}
