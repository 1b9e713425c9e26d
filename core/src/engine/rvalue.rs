//! A serde serializer that builds a regorus `Value` directly from typed data.
//!
//! Building the input document this way skips JSON text and the
//! intermediate `serde_json::Value`, which were most of the cost of a
//! decision (see the engine bench).

use regorus::Value;
use serde::ser::{self, Serialize};
use std::collections::BTreeMap;

/// Why a value could not be converted (a map with a non-string key, a float that is NaN).
#[derive(Debug)]
pub(crate) struct ConvertError(pub String);

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConvertError {}

impl ser::Error for ConvertError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ConvertError(msg.to_string())
    }
}

std::thread_local! {
    // Field names and enum spellings are `&'static str`: a bounded set, so a
    // per-thread cache of their values is safe and saves one allocation (and
    // one free) per object key, which is most of the cost of building a large
    // input document.
    static STATIC_STRINGS: std::cell::RefCell<std::collections::HashMap<usize, Value, PtrHash>> = const { std::cell::RefCell::new(std::collections::HashMap::with_hasher(PtrHash)) };
}

/// Hashes the address of a static string: one multiply, no SipHash rounds.
#[derive(Default, Clone, Copy)]
struct PtrHash;

struct PtrHasher(u64);

impl std::hash::BuildHasher for PtrHash {
    type Hasher = PtrHasher;
    fn build_hasher(&self) -> PtrHasher {
        PtrHasher(0)
    }
}

impl std::hash::Hasher for PtrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The value of a `&'static str`, shared across calls on this thread.
fn static_str(s: &'static str) -> Value {
    let key = s.as_ptr() as usize ^ (s.len() << 48);
    STATIC_STRINGS.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(v) = c.get(&key) {
            return v.clone();
        }
        let v = Value::from(s);
        if c.len() < 4096 {
            c.insert(key, v.clone());
        }
        v
    })
}

/// Serializes any `Serialize` into a regorus value.
pub(crate) fn to_value<T: Serialize + ?Sized>(t: &T) -> Result<Value, ConvertError> {
    t.serialize(ALL)
}

/// Serializes a struct into a regorus object with only the fields `keep`
/// accepts (at the top level; what they hold is converted whole).
pub(crate) fn to_value_fields<T: Serialize + ?Sized>(
    t: &T,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Value, ConvertError> {
    t.serialize(ValueSerializer { keep: Some(keep) })
}

/// The serializer; `keep` filters the fields of the outermost struct.
#[derive(Clone, Copy)]
pub(crate) struct ValueSerializer<'f> {
    keep: Option<&'f dyn Fn(&str) -> bool>,
}

/// Converts everything.
const ALL: ValueSerializer<'static> = ValueSerializer { keep: None };

pub(crate) struct SeqBuilder(Vec<Value>);
pub(crate) struct MapBuilder<'f> {
    // Entries are gathered unsorted and sorted once at the end: BTreeMap's
    // bulk build from sorted input is much cheaper than one insert per key.
    entries: Vec<(Value, Value)>,
    key: Option<Value>,
    keep: Option<&'f dyn Fn(&str) -> bool>,
}

impl MapBuilder<'_> {
    fn finish(self) -> Value {
        Value::from(self.entries.into_iter().collect::<BTreeMap<Value, Value>>())
    }
}
pub(crate) struct VariantBuilder {
    name: &'static str,
    inner: Vec<Value>,
}
pub(crate) struct StructVariantBuilder {
    name: &'static str,
    map: BTreeMap<Value, Value>,
}

impl<'f> ser::Serializer for ValueSerializer<'f> {
    type Ok = Value;
    type Error = ConvertError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantBuilder;
    type SerializeMap = MapBuilder<'f>;
    type SerializeStruct = MapBuilder<'f>;
    type SerializeStructVariant = StructVariantBuilder;

    fn serialize_bool(self, v: bool) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, ConvertError> {
        Ok(Value::from(i64::from(v)))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, ConvertError> {
        Ok(Value::from(i64::from(v)))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, ConvertError> {
        Ok(Value::from(i64::from(v)))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, ConvertError> {
        Ok(Value::from(u64::from(v)))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, ConvertError> {
        Ok(Value::from(u64::from(v)))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, ConvertError> {
        Ok(Value::from(u64::from(v)))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, ConvertError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, ConvertError> {
        if v.is_finite() {
            Ok(Value::from(v))
        } else {
            Err(ConvertError(format!("{v} has no JSON form")))
        }
    }
    fn serialize_char(self, v: char) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, ConvertError> {
        Ok(Value::from(v.iter().map(|b| Value::from(u64::from(*b))).collect::<Vec<_>>()))
    }
    fn serialize_none(self) -> Result<Value, ConvertError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, ConvertError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, ConvertError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, ConvertError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Value, ConvertError> {
        Ok(static_str(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Value, ConvertError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, ConvertError> {
        let mut m = BTreeMap::new();
        m.insert(Value::from(variant), value.serialize(ALL)?);
        Ok(Value::from(m))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, ConvertError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, ConvertError> {
        Ok(SeqBuilder(Vec::with_capacity(len)))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqBuilder, ConvertError> {
        Ok(SeqBuilder(Vec::with_capacity(len)))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder, ConvertError> {
        Ok(VariantBuilder { name: variant, inner: Vec::with_capacity(len) })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapBuilder<'f>, ConvertError> {
        Ok(MapBuilder { entries: Vec::new(), key: None, keep: None })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapBuilder<'f>, ConvertError> {
        Ok(MapBuilder { entries: Vec::with_capacity(len), key: None, keep: self.keep })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<StructVariantBuilder, ConvertError> {
        Ok(StructVariantBuilder { name: variant, map: BTreeMap::new() })
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = ConvertError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        self.0.push(value.serialize(ALL)?);
        Ok(())
    }
    fn end(self) -> Result<Value, ConvertError> {
        Ok(Value::from(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = ConvertError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value, ConvertError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = ConvertError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value, ConvertError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for VariantBuilder {
    type Ok = Value;
    type Error = ConvertError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        self.inner.push(value.serialize(ALL)?);
        Ok(())
    }
    fn end(self) -> Result<Value, ConvertError> {
        let mut m = BTreeMap::new();
        m.insert(Value::from(self.name), Value::from(self.inner));
        Ok(Value::from(m))
    }
}

/// Object keys must be strings, as in JSON.
struct KeySerializer;

impl KeySerializer {
    fn refuse<T>() -> Result<T, ConvertError> {
        Err(ConvertError("object keys must be strings".into()))
    }
}

impl ser::Serializer for KeySerializer {
    type Ok = Value;
    type Error = ConvertError;
    type SerializeSeq = ser::Impossible<Value, ConvertError>;
    type SerializeTuple = ser::Impossible<Value, ConvertError>;
    type SerializeTupleStruct = ser::Impossible<Value, ConvertError>;
    type SerializeTupleVariant = ser::Impossible<Value, ConvertError>;
    type SerializeMap = ser::Impossible<Value, ConvertError>;
    type SerializeStruct = ser::Impossible<Value, ConvertError>;
    type SerializeStructVariant = ser::Impossible<Value, ConvertError>;

    fn serialize_str(self, v: &str) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Value, ConvertError> {
        Ok(Value::from(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Value, ConvertError> {
        value.serialize(self)
    }
    fn serialize_char(self, v: char) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_bool(self, v: bool) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, ConvertError> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_f32(self, _: f32) -> Result<Value, ConvertError> {
        Self::refuse()
    }
    fn serialize_f64(self, _: f64) -> Result<Value, ConvertError> {
        Self::refuse()
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Value, ConvertError> {
        Self::refuse()
    }
    fn serialize_none(self) -> Result<Value, ConvertError> {
        Self::refuse()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Value, ConvertError> {
        Self::refuse()
    }
    fn serialize_unit(self) -> Result<Value, ConvertError> {
        Self::refuse()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, ConvertError> {
        Self::refuse()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Value, ConvertError> {
        Self::refuse()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, ConvertError> {
        Self::refuse()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, ConvertError> {
        Self::refuse()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, ConvertError> {
        Self::refuse()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, ConvertError> {
        Self::refuse()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, ConvertError> {
        Self::refuse()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, ConvertError> {
        Self::refuse()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, ConvertError> {
        Self::refuse()
    }
}

impl ser::SerializeMap for MapBuilder<'_> {
    type Ok = Value;
    type Error = ConvertError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ConvertError> {
        self.key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        let key = self.key.take().ok_or_else(|| ConvertError("map value without a key".into()))?;
        self.entries.push((key, value.serialize(ALL)?));
        Ok(())
    }
    fn end(self) -> Result<Value, ConvertError> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for MapBuilder<'_> {
    type Ok = Value;
    type Error = ConvertError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), ConvertError> {
        if self.keep.is_some_and(|keep| !keep(key)) {
            return Ok(());
        }
        self.entries.push((static_str(key), value.serialize(ALL)?));
        Ok(())
    }
    fn end(self) -> Result<Value, ConvertError> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for StructVariantBuilder {
    type Ok = Value;
    type Error = ConvertError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), ConvertError> {
        self.map.insert(static_str(key), value.serialize(ALL)?);
        Ok(())
    }
    fn end(self) -> Result<Value, ConvertError> {
        let mut outer = BTreeMap::new();
        outer.insert(Value::from(self.name), Value::from(self.map));
        Ok(Value::from(outer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_json_route() {
        let doc = serde_json::json!({"a": [1, -2, "x", null, true], "b": {"c": {"d": 1.5}}, "é": "ü"});
        let direct = to_value(&doc).unwrap();
        let via_text = Value::from_json_str(&doc.to_string()).unwrap();
        assert_eq!(direct, via_text);
    }
}
