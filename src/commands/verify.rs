use super::out::{errln, outln};
use crate::timeline::Store;
use crate::timeline::store::{Verdict, verify};
use anyhow::Result;

/// Exit code for a chain that does not verify.
pub const TAMPERED: i32 = 3;

/// Returns the process exit code: 0 intact, [`TAMPERED`] otherwise.
pub fn run(store: &dyn Store) -> Result<i32> {
    match verify(store)? {
        Verdict::Intact { events, head } => {
            outln!(
                "ok: {events} events, hash chain intact; head {}",
                &head.to_hex()[..16]
            )?;
            Ok(0)
        }
        Verdict::Broken { seq, reason } => {
            outln!("TAMPERED: event #{seq}: {reason}")?;
            errln!(
                "{}: the timeline does not verify from event #{seq} on; keep a copy of the file as evidence",
                store.describe()
            );
            Ok(TAMPERED)
        }
    }
}
