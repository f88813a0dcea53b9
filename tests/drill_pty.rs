//! A drill end to end, in real terminals (tmux): the facilitator's console plays a scenario with
//! the MSEL on screen and its `:drill` controls; a player's plain console on the same store shows
//! the DRILL banner, the injected finding and search in its sources pane as if the services had
//! returned them, marks a finding notified (recorded, and shown), and never sees hidden injects.

mod common;

#[path = "common/tmux.rs"]
#[allow(dead_code)]
mod tmux;

use common::Sandbox;
use tmux::Tmux;
use warroom::timeline::EventBody;

#[test]
fn a_facilitator_plays_a_drill_that_a_player_sees_as_real_sources() {
    let sb = Sandbox::new();
    let store = sb.store();
    let mini = format!(
        "{}/tests/fixtures/scenarios/mini.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let facilitator = Tmux::start(&sb, &store, &["drill", "run", &mini, "--speed", "20"], 160, 48);
    facilitator.wait_for("MSEL · mini");
    let player = Tmux::start(&sb, &store, &[], 160, 48);
    player.wait_for("DRILL");

    // Inject 1 (+00:00:30, 1.5 s at 20×): the finding, as Security Hub would list it.
    player.keys(&["5"]);
    player.wait_until("the injected finding", |s| {
        s.contains("CRITICAL") && s.contains("API calls from a Tor exit node")
    });
    facilitator.wait_for("✓  1");
    // The player marks it notified: recorded on the timeline, shown in the view, sent nowhere.
    player.keys(&["N"]);
    player.wait_until("the sandbox message", |s| s.contains("not sent"));
    player.wait_until("the finding notified", |s| s.contains("NOTIFIED"));

    // Inject 2: the Splunk search appears beside it.
    player.wait_until("the injected search", |s| s.contains("Searches"));
    player.keys(&[":"]);
    player.type_text("sources searches");
    player.keys(&["Enter"]);
    player.wait_until("the search and its count", |s| {
        s.contains("denied-calls") && s.contains("412")
    });

    // The facilitator pauses, delivers the hidden note early, and ends the drill.
    facilitator.keys(&[":"]);
    facilitator.type_text("drill pause");
    facilitator.keys(&["Enter"]);
    facilitator.wait_for("PAUSED");
    facilitator.keys(&[":"]);
    facilitator.type_text("drill inject 6");
    facilitator.keys(&["Enter"]);
    facilitator.wait_for("Inject 6 delivered");
    facilitator.keys(&[":"]);
    facilitator.type_text("drill end");
    facilitator.keys(&["Enter"]);
    facilitator.wait_for("End the drill now?"); // it asks, as leaving it does
    facilitator.keys(&["y"]);
    facilitator.wait_for("ENDED");
    player.keys(&["1"]);
    player.wait_until("the end on the player's timeline", |s| s.contains("ended"));
    assert!(
        !player.screen().contains("hint at the IAM console"),
        "a hidden inject reached a player:\n{}",
        player.screen()
    );

    facilitator.keys(&["q"]);
    player.keys(&["q"]);
    assert_eq!(facilitator.wait_exit(), 0);
    assert_eq!(player.wait_exit(), 0);

    let events = common::bodies(&store);
    let has = |f: &dyn Fn(&EventBody) -> bool| events.iter().any(f);
    assert!(has(&|b| matches!(b, EventBody::DrillPaused { .. })));
    assert!(has(&|b| matches!(
        b,
        EventBody::DrillInject {
            seq: 6,
            hidden: true,
            ..
        }
    )));
    assert!(has(&|b| matches!(b, EventBody::DrillEnded { .. })));
    assert!(has(&|b| matches!(
        b,
        EventBody::FindingUpdated { source, workflow: Some(w), .. } if source == "securityhub" && w == "NOTIFIED"
    )));
}
