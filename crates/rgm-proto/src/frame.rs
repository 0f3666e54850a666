//! Length-prefixed JSON frames with a size limit, sync (for the commands) and async (for the
//! daemon, with the `tokio` feature).
//!
//! A frame's body is read as it arrives, never allocated whole from the length its header
//! announces: a peer that announces 64 MiB and sends nothing costs nothing.

use std::io::{Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::limits::MAX_FRAME;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("connection closed")]
    Closed,
    #[error("connection closed in the middle of a frame")]
    Truncated,
    #[error("frame of {size} bytes is larger than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    /// The reader has no room now for a frame this large (the daemon's budget for large
    /// requests is taken); it may be sent again later.
    #[error(
        "rgmd has no room now for a request of {size} bytes (it reads at most {budget} bytes \
         of large requests at once); try again"
    )]
    NoRoom { size: usize, budget: usize },
    #[error("malformed message: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A message as a frame.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, FrameError> {
    let mut frame = vec![0u8; 4];
    serde_json::to_writer(&mut frame, message)?;
    let size = frame.len() - 4;
    if size > MAX_FRAME {
        return Err(FrameError::TooLarge {
            size,
            limit: MAX_FRAME,
        });
    }
    frame[..4].copy_from_slice(&(size as u32).to_be_bytes());
    Ok(frame)
}

/// A message from a frame's body.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    Ok(serde_json::from_slice(body)?)
}

/// The body length a frame header announces, checked against [`MAX_FRAME`].
pub fn body_len(header: [u8; 4]) -> Result<usize, FrameError> {
    body_len_within(header, MAX_FRAME)
}

/// The body length a frame header announces, checked against `limit`.
pub fn body_len_within(header: [u8; 4], limit: usize) -> Result<usize, FrameError> {
    let size = u32::from_be_bytes(header) as usize;
    if size > limit {
        return Err(FrameError::TooLarge { size, limit });
    }
    Ok(size)
}

pub fn write_frame<T: Serialize>(w: &mut impl Write, message: &T) -> Result<(), FrameError> {
    w.write_all(&encode(message)?)?;
    w.flush()?;
    Ok(())
}

pub fn read_frame<T: DeserializeOwned>(r: &mut impl Read) -> Result<T, FrameError> {
    let mut header = [0u8; 4];
    let mut done = 0;
    while done < header.len() {
        match r.read(&mut header[done..]) {
            Ok(0) if done == 0 => return Err(FrameError::Closed),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = body_len(header)?;
    let mut body = Vec::with_capacity(len.min(FIRST_CHUNK));
    r.take(len as u64).read_to_end(&mut body)?;
    if body.len() < len {
        return Err(FrameError::Truncated);
    }
    decode(&body)
}

/// What a body buffer starts with; it grows as the bytes arrive.
const FIRST_CHUNK: usize = 64 << 10;

#[cfg(feature = "tokio")]
pub mod nonblocking {
    //! The same frames over tokio streams. The daemon reads a frame in two steps,
    //! [`read_header`] then [`read_body`], so it can put a deadline on each and decide, between
    //! them, whether it has room for the body.

    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

    use super::{FIRST_CHUNK, FrameError, body_len, decode, encode};

    pub async fn write_frame<T: Serialize>(
        w: &mut (impl AsyncWrite + Unpin),
        message: &T,
    ) -> Result<(), FrameError> {
        w.write_all(&encode(message)?).await?;
        w.flush().await?;
        Ok(())
    }

    /// A whole frame, its body up to [`super::MAX_FRAME`].
    pub async fn read_frame<T: DeserializeOwned>(
        r: &mut (impl AsyncRead + Unpin),
    ) -> Result<T, FrameError> {
        let len = body_len(read_header(r).await?)?;
        decode(&read_body(r, len).await?)
    }

    /// A frame's 4-byte header: [`FrameError::Closed`] when the stream ends before it begins.
    pub async fn read_header(r: &mut (impl AsyncRead + Unpin)) -> Result<[u8; 4], FrameError> {
        let mut header = [0u8; 4];
        let mut done = 0;
        while done < header.len() {
            match r.read(&mut header[done..]).await {
                Ok(0) if done == 0 => return Err(FrameError::Closed),
                Ok(0) => return Err(FrameError::Truncated),
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(header)
    }

    /// A body of `len` bytes, the buffer growing as they arrive.
    pub async fn read_body(
        r: &mut (impl AsyncRead + Unpin),
        len: usize,
    ) -> Result<Vec<u8>, FrameError> {
        let mut body = Vec::with_capacity(len.min(FIRST_CHUNK));
        r.take(len as u64).read_to_end(&mut body).await?;
        if body.len() < len {
            return Err(FrameError::Truncated);
        }
        Ok(body)
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
        let err = read_frame::<String>(&mut &huge[..]).unwrap_err();
        assert!(
            matches!(err, FrameError::TooLarge { size, limit: MAX_FRAME } if size == u32::MAX as usize)
        );
        assert_eq!(
            err.to_string(),
            format!("frame of 4294967295 bytes is larger than the limit of {MAX_FRAME} bytes")
        );
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

    /// Records the largest buffer a reader was handed.
    struct Widest<'a> {
        bytes: &'a [u8],
        widest: usize,
    }

    impl Read for Widest<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.widest = self.widest.max(buf.len());
            self.bytes.read(buf)
        }
    }

    #[test]
    fn an_announced_length_is_not_allocated_before_the_bytes_arrive() {
        // 60 MiB announced, 3 bytes sent: the reader fails with Truncated, never having had
        // a buffer much larger than what arrived.
        let mut frame = (60u32 << 20).to_be_bytes().to_vec();
        frame.extend_from_slice(b"\"ab");
        let mut r = Widest {
            bytes: &frame,
            widest: 0,
        };
        assert!(matches!(
            read_frame::<String>(&mut r),
            Err(FrameError::Truncated)
        ));
        assert!(r.widest <= FIRST_CHUNK, "a buffer of {} bytes", r.widest);
    }

    #[test]
    fn a_limit_below_the_frame_limit_is_named() {
        let err = body_len_within(1000u32.to_be_bytes(), 999).unwrap_err();
        assert_eq!(
            err.to_string(),
            "frame of 1000 bytes is larger than the limit of 999 bytes"
        );
        assert_eq!(body_len_within(999u32.to_be_bytes(), 999).unwrap(), 999);
    }
}
