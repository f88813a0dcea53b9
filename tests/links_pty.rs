//! Links and follow-ups as data, in the real binary: typed in the palette they are events, the
//! header shows the bridge and the chat channel, and the report lists both.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

use common::Sandbox;
use tmux::Tmux;
use warroom::timeline::{EventBody, LinkKind};

#[test]
fn links_reach_the_header_and_links_and_follow_ups_the_report() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "Checkout failing");
    let t = Tmux::start(&sb, &st, &[], 160, 48);
    t.wait_for("Declared SEV2");
    let palette = |line: &str| {
        t.keys(&[":"]);
        t.type_text(line);
        t.keys(&["Enter"]);
    };
    palette("link bridge https://meet.example/abc-defg");
    palette("link slack #inc-checkout");
    palette("link jira OPS-4411 https://jira.example/browse/OPS-4411");
    palette("followup Alert on card-auth latency --owner raj");
    let screen = t.wait_for("FOLLOW-UP: Alert on card-auth latency (owner raj)");
    let header = screen.lines().nth(2).unwrap_or_default();
    assert!(
        header.contains("bridge https://meet.example/abc-defg   chat #inc-checkout"),
        "{screen}"
    );
    assert!(
        screen.contains("Linked ticket OPS-4411 https://jira.example/browse/OPS-4411"),
        "{screen}"
    );
    // A newer chat channel replaces the old one in the header.
    palette("link chat #inc-checkout-2");
    t.wait_for("chat #inc-checkout-2");

    let links: Vec<(LinkKind, String)> = common::bodies(&st)
        .into_iter()
        .filter_map(|b| match b {
            EventBody::LinkAdded { kind, reference, .. } => Some((kind, reference)),
            _ => None,
        })
        .collect();
    assert_eq!(
        links,
        vec![
            (LinkKind::Bridge, "https://meet.example/abc-defg".to_string()),
            (LinkKind::Chat, "#inc-checkout".to_string()),
            (LinkKind::Ticket, "OPS-4411".to_string()),
            (LinkKind::Chat, "#inc-checkout-2".to_string()),
        ]
    );

    let md = sb.ok(&st, &["export", "--incident", &id, "--format", "md"]);
    assert!(
        md.contains("| ticket | OPS-4411 | https://jira.example/browse/OPS-4411 |"),
        "{md}"
    );
    assert!(
        md.contains("| bridge | https://meet.example/abc-defg | — |"),
        "{md}"
    );
    assert!(md.contains("| Alert on card-auth latency | raj |"), "{md}");
}
