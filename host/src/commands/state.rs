//! `state`: runtime-spec state JSON.

use std::io::Write;

use super::container::{Opened, oci_state};
use super::output;
use crate::args::state::StateArgs;
use crate::{error::Result, services::Services};

pub fn run(svc: &Services, args: &StateArgs, out: &mut dyn Write) -> Result<i32> {
    let mut c = Opened::open(svc, &args.id)?;
    c.refresh()?;
    let text = serde_json::to_string_pretty(&oci_state(&c.record)).unwrap_or_default();
    writeln!(out, "{text}").map_err(output)?;
    Ok(0)
}
