//! `warroom store copy`: move a timeline between back ends (a local incident promoted to the
//! team's server, or a server's timeline kept as a file), its hash chain intact.

use super::out::ackln;
use crate::timeline::store::{RawEvent, Verdict, verify};
use crate::timeline::{StoreSpec, open_store};
use anyhow::{Context, Result, bail};

/// Events per transaction while copying: small enough to commit within the PostgreSQL
/// store's operation timeout over a slow link (each event is a round trip or two).
const BATCH: usize = 50;

/// Copy every event of `from` to `to`, verbatim (ids, sequence numbers, times, hashes), then
/// verify the copy. The destination must be empty, or hold the start of the same chain (an
/// interrupted copy resumes).
pub fn copy(from: &str, to: &str) -> Result<()> {
    let (from_spec, to_spec) = (StoreSpec::parse(from), StoreSpec::parse(to));
    if from_spec == to_spec {
        bail!("{from_spec}: the source and the destination are the same store");
    }
    let src = open_store(&from_spec).context("opening the source")?;
    let dst = open_store(&to_spec).context("opening the destination")?;
    let src_head = match verify(&*src)? {
        Verdict::Intact { events, head } => (events, head),
        Verdict::Broken { seq, reason } => bail!(
            "{}: the source does not verify from event #{seq} on ({reason}); not copied",
            src.describe()
        ),
    };
    let dst_head = dst.head()?;
    let start = if dst_head.seq == 0 {
        0
    } else {
        // Only the same chain may continue: the destination's head must be the source's event.
        let mut same = false;
        src.scan_raw(dst_head.seq - 1, None, &mut |raw| {
            same = raw.seq == dst_head.seq && raw.hash == dst_head.hash;
            false
        })?;
        if !same {
            bail!(
                "{}: the destination already holds a different timeline ({} events); copy into an empty store",
                dst.describe(),
                dst_head.seq
            );
        }
        dst_head.seq
    };
    let mut copied = 0u64;
    let mut batch: Vec<RawEvent> = Vec::with_capacity(BATCH);
    let mut failure = None;
    src.scan_raw(start, None, &mut |raw| {
        batch.push(raw);
        if batch.len() == BATCH {
            if let Err(e) = dst.import_raw(&batch) {
                failure = Some(e);
                return false;
            }
            copied += batch.len() as u64;
            batch.clear();
        }
        true
    })?;
    if let Some(e) = failure {
        return Err(e).context(format!("copying to {}", dst.describe()));
    }
    if !batch.is_empty() {
        dst.import_raw(&batch)
            .with_context(|| format!("copying to {}", dst.describe()))?;
        copied += batch.len() as u64;
    }
    match verify(&*dst)? {
        Verdict::Intact { events, head } if events == src_head.0 && head == src_head.1 => {
            // Done and verified: a retry would find the target full, so output that fails
            // now is told, not the command's failure.
            ackln!(
                "copied {copied} events from {} to {}; {events} events, hash chain intact; head {}",
                src.describe(),
                dst.describe(),
                &head.to_hex()[..16]
            );
            Ok(())
        }
        Verdict::Intact { events, .. } => bail!(
            "{}: after copying, the destination holds {events} events but the source {}; the source changed while copying? run the copy again",
            dst.describe(),
            src_head.0
        ),
        Verdict::Broken { seq, reason } => bail!(
            "{}: the copy does not verify from event #{seq} on ({reason})",
            dst.describe()
        ),
    }
}
