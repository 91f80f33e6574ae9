//! `kezek xml sign` and `kezek xml verify`.

use super::{Failure, Outcome, SignArgs, VerifyArgs};

pub fn sign(_args: SignArgs) -> Outcome {
    Err(Failure::bad_input("xml sign: being written"))
}

pub fn verify(_args: VerifyArgs) -> Outcome {
    Err(Failure::bad_input("xml verify: being written"))
}
