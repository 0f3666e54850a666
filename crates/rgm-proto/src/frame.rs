//! Length-prefixed JSON frames with a size limit, sync (for the commands) and async (for the
//! daemon, with the `tokio` feature).

use std::io::{Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest frame either side accepts: 64 MiB (a full view of 10,000 resources is a few MiB).
pub const MAX_FRAME: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("connection closed")]
    Closed,
    #[error("connection closed in the middle of a frame")]
    Truncated,
    #[error("frame of {0} bytes is larger than the limit of {MAX_FRAME} bytes")]
    TooLarge(usize),
    #[error("malformed message: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A message as a frame.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, FrameError> {
    let body = serde_json::to_vec(message)?;
    if body.len() > MAX_FRAME {
        return Err(FrameError::TooLarge(body.len()));
    }
    let mut frame = Vec::with_capacity(body.len() + 4);
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

/// A message from a frame's body.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    Ok(serde_json::from_slice(body)?)
}

/// The body length a frame header announces, checked against the limit.
pub fn body_len(header: [u8; 4]) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(header) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge(len));
    }
    Ok(len)
}

pub fn write_frame<T: Serialize>(w: &mut impl Write, message: &T) -> Result<(), FrameError> {
    w.write_all(&encode(message)?)?;
    w.flush()?;
    Ok(())
}

pub fn read_frame<T: DeserializeOwned>(r: &mut impl Read) -> Result<T, FrameError> {
    let mut header = [0u8; 4];
    read_exact_or(r, &mut header, FrameError::Closed)?;
    let mut body = vec![0u8; body_len(header)?];
    read_exact_or(r, &mut body, FrameError::Truncated)?;
    decode(&body)
}

fn read_exact_or(
    r: &mut impl Read,
    buf: &mut [u8],
    at_start: FrameError,
) -> Result<(), FrameError> {
    let mut done = 0;
    while done < buf.len() {
        match r.read(&mut buf[done..]) {
            Ok(0) if done == 0 => return Err(at_start),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(feature = "tokio")]
pub mod nonblocking {
    //! The same frames over tokio streams.

    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

    use super::{FrameError, body_len, decode, encode};

    pub async fn write_frame<T: Serialize>(
        w: &mut (impl AsyncWrite + Unpin),
        message: &T,
    ) -> Result<(), FrameError> {
        w.write_all(&encode(message)?).await?;
        w.flush().await?;
        Ok(())
    }

    pub async fn read_frame<T: DeserializeOwned>(
        r: &mut (impl AsyncRead + Unpin),
    ) -> Result<T, FrameError> {
        let mut header = [0u8; 4];
        match r.read_exact(&mut header).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(FrameError::Closed);
            }
            Err(e) => return Err(e.into()),
        }
        let mut body = vec![0u8; body_len(header)?];
        match r.read_exact(&mut body).await {
            Ok(_) => decode(&body),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(FrameError::Truncated),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &vec!["a".to_string(), "b".to_string()]).unwrap();
        assert_eq!(&buf[..4], &9u32.to_be_bytes());
        let back: Vec<String> = read_frame(&mut buf.as_slice()).unwrap();
        assert_eq!(back, ["a", "b"]);
    }

    #[test]
    fn bad_frames_are_errors_not_panics() {
        let empty: &[u8] = &[];
        assert!(matches!(
            read_frame::<String>(&mut &*empty),
            Err(FrameError::Closed)
        ));
        let short: &[u8] = &[0, 0, 0, 10, b'"', b'a'];
        assert!(matches!(
            read_frame::<String>(&mut &*short),
            Err(FrameError::Truncated)
        ));
        let huge = (u32::MAX).to_be_bytes();
        assert!(matches!(
            read_frame::<String>(&mut &huge[..]),
            Err(FrameError::TooLarge(_))
        ));
        let garbage: &[u8] = &[0, 0, 0, 3, b'{', b'x', b'}'];
        assert!(matches!(
            read_frame::<String>(&mut &*garbage),
            Err(FrameError::Malformed(_))
        ));
        let partial_header: &[u8] = &[0, 0];
        assert!(matches!(
            read_frame::<String>(&mut &*partial_header),
            Err(FrameError::Truncated)
        ));
    }
}
