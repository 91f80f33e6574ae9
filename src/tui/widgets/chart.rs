//! Bar charts of groups of bars with their legend (the statistics, the region report).

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block};

use crate::tui::theme::Theme;

/// One series of bars: its name in the legend and the style of its bars.
pub type Series = (String, Style);

/// A bordered chart titled `title`: one group per `(label, values)` with a bar per series, in
/// the order of `series`, whose legend sits on the bottom border; bars as wide as `width` allows
/// for every group and a gap between groups, at most `max_bar`.
pub fn grouped(
    title: String,
    series: &[Series],
    groups: impl IntoIterator<Item = (String, Vec<u64>)>,
    width: u16,
    max_bar: u16,
    theme: &Theme,
) -> BarChart<'static> {
    let groups: Vec<(String, Vec<u64>)> = groups.into_iter().collect();
    let count = groups.len().max(1) as u16;
    let bars = series.len().max(1) as u16;
    // The bars and a gap per group, within the block's borders.
    let bar_width = (width.saturating_sub(2 + count) / (count * bars)).clamp(1, max_bar);
    let legend: Vec<Span<'static>> = series
        .iter()
        .enumerate()
        .map(|(i, (name, style))| {
            let gap = if i + 1 < series.len() { " " } else { "" };
            Span::styled(format!("■ {name}{gap}"), *style)
        })
        .collect();
    let mut chart = BarChart::default()
        .block(
            Block::bordered()
                .title(title)
                .title_bottom(Line::from(legend))
                .border_style(theme.border()),
        )
        .bar_width(bar_width)
        .bar_gap(0)
        .group_gap(1);
    for (label, values) in groups {
        let bars: Vec<Bar> = values
            .into_iter()
            .zip(series)
            .map(|(value, (_, style))| Bar::default().value(value).style(*style))
            .collect();
        chart = chart.data(BarGroup::default().label(Line::from(label)).bars(&bars));
    }
    chart
}
