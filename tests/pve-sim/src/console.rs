//! A console session over the `vncwebsocket` upgrade, in termproxy's protocol
//! (reference/pve-api.md, "Consoles"): the client's first message is
//! `<user>:<ticket>\n` and the server answers `OK`; then the client sends `0:<length>:<data>`
//! (input), `1:<cols>:<rows>:` (resize) or `2` (ping), and the server sends the
//! terminal's output. Like `lxc-console`, the session shows what the CT writes while
//! it is attached, not what it wrote before; it ends when the CT stops.

use std::{sync::Arc, time::Duration};

use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{Message, protocol::Role},
};

use crate::{Power, Sim, init};

fn text(msg: &Message) -> Option<String> {
    match msg {
        Message::Text(t) => Some(t.to_string()),
        Message::Binary(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

/// Input from a `0:<length>:<data>` message.
fn input(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("0:")?;
    let (_, data) = rest.split_once(':')?;
    Some(data)
}

pub async fn serve(sim: Arc<Sim>, port: u16, upgraded: hyper::upgrade::Upgraded) {
    let Some(ticket) = sim.cluster.lock().expect("cluster").consoles.remove(&port) else {
        return;
    };
    let mut ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
    let expected = format!("{}:{}\n", ticket.user, ticket.ticket);
    let authenticated = match ws.next().await {
        Some(Ok(m)) => text(&m).is_some_and(|t| t == expected),
        _ => false,
    };
    if !authenticated || ws.send(Message::text("OK")).await.is_err() {
        let _ = ws.close(None).await;
        sim.close_task(&ticket.upid);
        return;
    }
    let vmid = ticket.vmid;
    let (generation, mut sent) = {
        let c = sim.cluster.lock().expect("cluster");
        c.guests
            .get(&vmid)
            .map(|g| (g.generation, g.console_written))
            .unwrap_or_default()
    };
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(m)) => {
                    if let Some(data) = text(&m).as_deref().and_then(input) {
                        init::echo(&sim, vmid, data.as_bytes());
                    }
                    if m.is_close() {
                        break;
                    }
                }
                _ => break,
            },
            _ = tokio::time::sleep(Duration::from_millis(10)) => {
                let (out, ended) = {
                    let c = sim.cluster.lock().expect("cluster");
                    match c.guests.get(&vmid) {
                        Some(g) if g.generation == generation => {
                            let out = init::since(g, sent).to_vec();
                            (out, g.power == Power::Stopped)
                        }
                        _ => (Vec::new(), true),
                    }
                };
                if !out.is_empty() {
                    sent += out.len() as u64;
                    if ws.send(Message::binary(out)).await.is_err() {
                        break;
                    }
                }
                if ended {
                    break;
                }
            }
        }
    }
    let _ = ws.close(None).await;
    sim.close_task(&ticket.upid);
}
