//! `bolt7` input: a plain concatenation of BOLT #7 messages, each `[be16 len][msg]` (what a
//! gossip syncer or `POST /v1/gossip` hands over), and the writer for it.

use std::path::Path;

use super::wire::{MSG_CHANNEL_ANNOUNCEMENT, MSG_CHANNEL_UPDATE};
use super::{Collector, GossipError};

/// The framed messages of `bytes`, or the offset where the framing breaks.
fn frames(bytes: &[u8]) -> impl Iterator<Item = Result<(usize, &[u8]), usize>> + '_ {
    let mut off = 0usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || off >= bytes.len() {
            return None;
        }
        let at = off;
        let frame = bytes.get(at..at + 2).and_then(|l| {
            let len = u16::from_be_bytes([l[0], l[1]]) as usize;
            bytes.get(at + 2..at + 2 + len)
        });
        match frame {
            Some(msg) => {
                off = at + 2 + msg.len();
                Some(Ok((at, msg)))
            }
            None => {
                failed = true;
                Some(Err(at))
            }
        }
    })
}

/// Whether `bytes` are bolt7-framed gossip: the framing covers the input exactly and the first
/// message is a gossip message.
pub fn looks_like_bolt7(bytes: &[u8]) -> bool {
    let mut first = true;
    for f in frames(bytes) {
        let Ok((_, msg)) = f else {
            return false;
        };
        if first {
            let t = super::wire::msg_type(msg);
            if !matches!(t, Some(t) if (MSG_CHANNEL_ANNOUNCEMENT..=MSG_CHANNEL_UPDATE).contains(&t))
            {
                return false;
            }
            first = false;
        }
    }
    !first
}

/// Reads bolt7-framed messages into the collector's signed queue. A broken frame is an error
/// naming its offset; an invalid message is a counted rejection.
pub fn read(path: &Path, bytes: &[u8], c: &mut Collector) -> Result<(), GossipError> {
    c.signed.reserve(bytes.len());
    for f in frames(bytes) {
        match f {
            Ok((_, msg)) => {
                c.signed.push_message(msg, &mut c.stats);
            }
            Err(at) => {
                let left = bytes.len() - at;
                let reason = if left < 2 {
                    format!("truncated length prefix ({left} of 2 bytes)")
                } else {
                    let len = u16::from_be_bytes([bytes[at], bytes[at + 1]]);
                    format!(
                        "truncated message: length prefix says {len} bytes, {} left",
                        left - 2
                    )
                };
                return Err(GossipError::malformed(path, at as u64, reason));
            }
        }
    }
    Ok(())
}

/// Frames messages as `[be16 len][msg]…`. Fails for a message longer than 65,535 bytes.
pub fn encode_framed<'a>(msgs: impl IntoIterator<Item = &'a [u8]>) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    for m in msgs {
        let len = u16::try_from(m.len()).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("message of {} bytes is too long for bolt7 framing", m.len()),
            )
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(m);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_round_trip_and_detection() {
        let a = [1u8, 0, 9, 9, 9];
        let b = [1u8, 2];
        let framed = encode_framed([&a[..], &b[..]]).unwrap();
        let got: Vec<_> = frames(&framed).map(|f| f.unwrap().1).collect();
        assert_eq!(got, vec![&a[..], &b[..]]);
        assert!(looks_like_bolt7(&framed));
        assert!(!looks_like_bolt7(&framed[..framed.len() - 1]));
        assert!(!looks_like_bolt7(&[]));
        assert!(encode_framed([&vec![0u8; 70_000][..]]).is_err());
        assert_eq!(frames(&framed[..3]).last(), Some(Err(0)));
    }
}
