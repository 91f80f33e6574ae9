//! `kezek migrate --from sqlite://… --to postgres://…`: copies a city's SQLite database into an
//! empty PostgreSQL one (`store::postgres::import`), then walks the target's history chains as
//! `kezek log verify` does. Exit 0 when copied and intact, 1 when the copied chain does not
//! verify, 2 when a database cannot be opened, read or written (nothing is kept then).

use rust_i18n::t;

use super::{Exit, Failure, MigrateArgs, Outcome};
use crate::server::store::{self, postgres};

pub fn migrate(args: MigrateArgs) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    runtime.block_on(async {
        let failed = |e: store::StoreError| Failure::bad_input(e.translated());
        let copied = postgres::import::from_sqlite(&args.from, &args.to)
            .await
            .map_err(failed)?;
        for (table, rows) in copied {
            println!("{}", t!("cli.migrate.table", table = table, rows = rows));
        }
        let target = store::open_existing(&args.to).await.map_err(failed)?;
        let verdict = target.verify_history().await;
        target.close().await;
        match verdict.map_err(failed)? {
            Ok(report) => {
                println!("{}", t!("cli.migrate.done", events = report.events));
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
