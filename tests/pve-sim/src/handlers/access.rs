//! POST /access/ticket: login and ticket renewal.

use serde_json::{Value, json};

use crate::{ApiError, ApiResult, Sim, auth, request::Request};

pub fn ticket(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let mut user = req.str("username").unwrap_or_default();
    if let Some(realm) = req.str("realm")
        && !user.contains('@')
    {
        user = format!("{user}@{realm}");
    }
    let password = req.str("password").unwrap_or_default();
    let key = sim.key.lock().expect("key").clone();
    let lifetime = sim.config.ticket_lifetime.as_secs();
    let by_password = sim.config.users.get(&user).is_some_and(|p| *p == password);
    let by_ticket = auth::verify_ticket(&key, &password, lifetime).is_some_and(|u| u == user);
    if !(by_password || by_ticket) {
        return Err(ApiError::new(401, "authentication failure"));
    }
    let now = auth::now();
    Ok(json!({
        "username": user,
        "ticket": auth::ticket(&key, &user, now),
        "CSRFPreventionToken": auth::csrf(&key, &user, now),
        "cap": {"vms": {"VM.Allocate": 1}},
        "clustername": "sim",
    }))
}
