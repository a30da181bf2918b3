//! Public identifiers (`NodeId`, `Scid`) and the typed indices used inside a graph
//! (`NodeIdx`, `ChanIdx`, `HalfIdx`). Public ids are what users and files see; indices are
//! positions in one particular graph file and mean nothing outside it.

use std::fmt;
use std::str::FromStr;

/// A node's 33-byte compressed secp256k1 public key. Ordered bytewise, as BOLT #7 orders
/// `node_id_1 < node_id_2`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub [u8; 33]);

/// A `short_channel_id`: block << 40 | tx << 16 | output.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Scid(pub u64);

/// Index of a node in a graph's sorted node table.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct NodeIdx(pub u32);

/// Index of a channel in a graph's channel table (sorted by scid).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ChanIdx(pub u32);

/// Index of a half (one direction of one channel): `chan * 2 + direction`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct HalfIdx(pub u32);

impl HalfIdx {
    pub fn new(chan: ChanIdx, direction: u8) -> Self {
        HalfIdx(chan.0 * 2 + (direction as u32 & 1))
    }
    pub fn chan(self) -> ChanIdx {
        ChanIdx(self.0 / 2)
    }
    pub fn direction(self) -> u8 {
        (self.0 & 1) as u8
    }
    pub fn reverse(self) -> HalfIdx {
        HalfIdx(self.0 ^ 1)
    }
}

/// Why an identifier string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("node id must be 66 hex characters, got {0} characters")]
    NodeIdLength(usize),
    #[error("node id is not valid hex")]
    NodeIdHex,
    #[error("node id must start with 02 or 03 (compressed public key)")]
    NodeIdPrefix,
    #[error("short_channel_id '{0}' is not BLOCKxTXxOUTPUT")]
    ScidFormat(String),
    #[error(
        "short_channel_id '{0}' has a part out of range (block < 2^24, tx < 2^24, output < 2^16)"
    )]
    ScidRange(String),
}

impl NodeId {
    pub fn from_slice(bytes: &[u8]) -> Option<NodeId> {
        let arr: [u8; 33] = bytes.try_into().ok()?;
        Some(NodeId(arr))
    }
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl FromStr for NodeId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.len() != 66 {
            return Err(IdError::NodeIdLength(s.len()));
        }
        let mut out = [0u8; 33];
        hex::decode_to_slice(s, &mut out).map_err(|_| IdError::NodeIdHex)?;
        if out[0] != 2 && out[0] != 3 {
            return Err(IdError::NodeIdPrefix);
        }
        Ok(NodeId(out))
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({self})")
    }
}

impl Scid {
    pub fn new(block: u32, tx: u32, output: u16) -> Scid {
        Scid(((block as u64 & 0xFF_FFFF) << 40) | ((tx as u64 & 0xFF_FFFF) << 16) | output as u64)
    }
    pub fn block(self) -> u32 {
        (self.0 >> 40) as u32
    }
    pub fn tx(self) -> u32 {
        ((self.0 >> 16) & 0xFF_FFFF) as u32
    }
    pub fn output(self) -> u16 {
        (self.0 & 0xFFFF) as u16
    }
}

impl FromStr for Scid {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let mut parts = s.split('x');
        let (Some(b), Some(t), Some(o), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(IdError::ScidFormat(s.to_string()));
        };
        let parse = |p: &str| {
            p.parse::<u64>()
                .map_err(|_| IdError::ScidFormat(s.to_string()))
        };
        let (b, t, o) = (parse(b)?, parse(t)?, parse(o)?);
        if b >= 1 << 24 || t >= 1 << 24 || o >= 1 << 16 {
            return Err(IdError::ScidRange(s.to_string()));
        }
        Ok(Scid::new(b as u32, t as u32, o as u16))
    }
}

impl fmt::Display for Scid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}x{}", self.block(), self.tx(), self.output())
    }
}

impl serde::Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}
impl<'de> serde::Deserialize<'de> for NodeId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
impl serde::Serialize for Scid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> serde::Deserialize<'de> for Scid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn scid_round_trip() {
        let s: Scid = "695944x1234x1".parse().unwrap();
        assert_eq!(s.block(), 695944);
        assert_eq!(s.tx(), 1234);
        assert_eq!(s.output(), 1);
        assert_eq!(s.to_string(), "695944x1234x1");
        assert!("1x2".parse::<Scid>().is_err());
        assert!("16777216x0x0".parse::<Scid>().is_err());
    }
    #[test]
    fn node_id_parse() {
        let h = format!("02{}", "ab".repeat(32));
        let n: NodeId = h.parse().unwrap();
        assert_eq!(n.to_string(), h);
        assert!("02ab".parse::<NodeId>().is_err());
        assert!(format!("04{}", "ab".repeat(32)).parse::<NodeId>().is_err());
    }
}
