//! The metrics of a sample: their keys, headers and units.

use super::model::Sample;

/// The metrics of a sample, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Splash,
    Ready,
    Paint,
    QuitShutdown,
    QuitGone,
    Rss,
    Pss,
    Processes,
    WebProcesses,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::Splash,
        Metric::Ready,
        Metric::Paint,
        Metric::QuitShutdown,
        Metric::QuitGone,
        Metric::Rss,
        Metric::Pss,
        Metric::Processes,
        Metric::WebProcesses,
    ];

    /// Its key in `summary` (results.json) and its field in [`Sample`].
    pub fn key(self) -> &'static str {
        match self {
            Metric::Splash => "splash_ms",
            Metric::Ready => "ready_ms",
            Metric::Paint => "paint_ms",
            Metric::QuitShutdown => "quit_shutdown_ms",
            Metric::QuitGone => "quit_gone_ms",
            Metric::Rss => "rss_mb",
            Metric::Pss => "pss_mb",
            Metric::Processes => "processes",
            Metric::WebProcesses => "web_processes",
        }
    }

    /// Its column header.
    pub fn header(self) -> &'static str {
        match self {
            Metric::Splash => "spawn → splash",
            Metric::Ready => "spawn → backend ready",
            Metric::Paint => "spawn → first paint",
            Metric::QuitShutdown => "quit → shutdown_complete",
            Metric::QuitGone => "quit → all gone",
            Metric::Rss => "tree RSS",
            Metric::Pss => "tree PSS",
            Metric::Processes => "processes",
            Metric::WebProcesses => "web processes by first paint",
        }
    }

    /// `ms`, `MB`, or empty for a count.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Splash
            | Metric::Ready
            | Metric::Paint
            | Metric::QuitShutdown
            | Metric::QuitGone => "ms",
            Metric::Rss | Metric::Pss => "MB",
            Metric::Processes | Metric::WebProcesses => "",
        }
    }
}

impl Sample {
    pub fn get(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::Splash => self.splash_ms,
            Metric::Ready => self.ready_ms,
            Metric::Paint => self.paint_ms,
            Metric::QuitShutdown => self.quit_shutdown_ms,
            Metric::QuitGone => self.quit_gone_ms,
            Metric::Rss => self.rss_mb,
            Metric::Pss => self.pss_mb,
            Metric::Processes => self.processes,
            Metric::WebProcesses => self.web_processes,
        }
    }
}
