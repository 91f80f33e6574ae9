//! `kezek keystore inspect`.

use super::{Failure, InspectArgs, Outcome};

pub fn inspect(_args: InspectArgs) -> Outcome {
    Err(Failure::bad_input("keystore inspect: being written"))
}
