//! `kezek log verify --db URL`: walks every region's hash chain of the history.
//! Exit 0 when intact, 1 at the first rewritten, unlinked or missing event, 2 when the database
//! cannot be opened or read.

use rust_i18n::t;

use super::{Exit, Failure, LogVerifyArgs, Outcome};
use crate::server::store;

pub fn verify(args: LogVerifyArgs) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    runtime.block_on(async {
        let store = store::open_existing(&args.db)
            .await
            .map_err(|e| Failure::bad_input(e.translated()))?;
        let verdict = store.verify_history().await;
        store.close().await;
        match verdict.map_err(|e| Failure::bad_input(e.translated()))? {
            Ok(report) => {
                println!("{}", t!("store.verify.ok", events = report.events));
                for (region, event, hash) in &report.heads {
                    println!(
                        "{}",
                        t!(
                            "store.verify.head",
                            region = region,
                            event = event,
                            hash = hash
                        )
                    );
                }
                Ok(Exit::Success)
            }
            Err(broken) => Err(Failure::check_failed(t!(
                "store.verify.broken",
                event = broken.event_id(),
                reason = broken.to_string()
            ))),
        }
    })
}
