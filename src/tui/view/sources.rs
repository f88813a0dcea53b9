//! Source health: one line per configured source. None are configured yet.

use super::{empty, pane_block};
use crate::tui::app::App;
use crate::tui::layout::Pane;
use ratatui::Frame;
use ratatui::layout::Rect;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane_block(app, Pane::Sources, None);
    frame.render_widget(
        empty(
            app,
            "No sources configured. Scripts can still write: `warroom log --source NAME`.",
        )
        .block(block),
        area,
    );
}
