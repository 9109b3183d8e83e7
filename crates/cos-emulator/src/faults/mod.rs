//! Fault injection for client tests: random faults (shares of requests answered with errors
//! or cut, added latency) and the scripted [`FaultPlan`] (which request fails, how, how often).
//! `apply.rs` is the one place the COS request path calls into.

mod apply;
mod plan;

pub(crate) use apply::{DropConnection, Fault};
pub use plan::{Action, FaultPlan, Matcher, Rule, SeenRequest};

use std::time::Duration;

/// Which faults to inject: random ones, as shares of requests in `0.0..=1.0`, and a scripted
/// [`FaultPlan`]. The default injects nothing.
///
/// ```
/// use cos_emulator::Faults;
/// use std::time::Duration;
///
/// let faults = Faults::none().slow_down(0.1).internal_error(0.05).cut_body(0.01)
///     .latency(Duration::from_millis(20));
/// assert_eq!(faults.slow_down_share(), 0.1);
/// assert!(Faults::none().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Faults {
    slow_down: f64,
    internal_error: f64,
    cut_body: f64,
    latency: Duration,
    plan: Option<FaultPlan>,
}

impl Faults {
    /// No faults.
    ///
    /// ```
    /// assert!(cos_emulator::Faults::none().is_none());
    /// ```
    pub fn none() -> Self {
        Self::default()
    }

    /// Answers this share of COS requests with 503 `SlowDown` (clamped to `0.0..=1.0`).
    ///
    /// ```
    /// assert_eq!(cos_emulator::Faults::none().slow_down(2.0).slow_down_share(), 1.0);
    /// ```
    #[must_use]
    pub fn slow_down(mut self, share: f64) -> Self {
        self.slow_down = clamp(share);
        self
    }

    /// Answers this share of COS requests with 500 `InternalError`.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Faults::none().internal_error(0.5).internal_error_share(), 0.5);
    /// ```
    #[must_use]
    pub fn internal_error(mut self, share: f64) -> Self {
        self.internal_error = clamp(share);
        self
    }

    /// Cuts the connection halfway through the response body of this share of COS requests
    /// that have a body.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Faults::none().cut_body(0.25).cut_body_share(), 0.25);
    /// ```
    #[must_use]
    pub fn cut_body(mut self, share: f64) -> Self {
        self.cut_body = clamp(share);
        self
    }

    /// Delays every request (COS and STS) by this much before handling it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let f = cos_emulator::Faults::none().latency(Duration::from_millis(5));
    /// assert_eq!(f.added_latency(), Duration::from_millis(5));
    /// ```
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Follows this scripted plan; its rules are checked before the random faults are drawn
    /// (a request a rule picked gets no random fault).
    ///
    /// ```
    /// use cos_emulator::{Action, FaultPlan, Faults, Matcher, Rule};
    /// let plan = FaultPlan::new();
    /// plan.add(Rule::new(Matcher::part(2), Action::CorruptCrc));
    /// let faults = Faults::none().plan(plan.clone());
    /// assert_eq!(faults.fault_plan(), Some(&plan));
    /// ```
    #[must_use]
    pub fn plan(mut self, plan: FaultPlan) -> Self {
        self.plan = Some(plan);
        self
    }

    /// The scripted plan, if one is installed.
    ///
    /// ```
    /// assert!(cos_emulator::Faults::none().fault_plan().is_none());
    /// ```
    pub fn fault_plan(&self) -> Option<&FaultPlan> {
        self.plan.as_ref()
    }

    /// Share answered `SlowDown`.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Faults::none().slow_down_share(), 0.0);
    /// ```
    pub fn slow_down_share(&self) -> f64 {
        self.slow_down
    }

    /// Share answered `InternalError`.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Faults::none().internal_error_share(), 0.0);
    /// ```
    pub fn internal_error_share(&self) -> f64 {
        self.internal_error
    }

    /// Share whose body is cut.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Faults::none().cut_body_share(), 0.0);
    /// ```
    pub fn cut_body_share(&self) -> f64 {
        self.cut_body
    }

    /// Added latency.
    ///
    /// ```
    /// assert!(cos_emulator::Faults::none().added_latency().is_zero());
    /// ```
    pub fn added_latency(&self) -> std::time::Duration {
        self.latency
    }

    /// Whether no fault is configured.
    ///
    /// ```
    /// assert!(!cos_emulator::Faults::none().slow_down(0.1).is_none());
    /// ```
    pub fn is_none(&self) -> bool {
        self.slow_down == 0.0
            && self.internal_error == 0.0
            && self.cut_body == 0.0
            && self.latency.is_zero()
            && self.plan.is_none()
    }

    /// Draws a random fault for one request.
    pub(crate) fn draw(&self) -> Option<Action> {
        if self.slow_down == 0.0 && self.internal_error == 0.0 && self.cut_body == 0.0 {
            return None;
        }
        let roll = uniform();
        if roll < self.slow_down {
            Some(Action::slow_down())
        } else if roll < self.slow_down + self.internal_error {
            Some(Action::internal_error())
        } else if roll < self.slow_down + self.internal_error + self.cut_body {
            Some(Action::CutBody)
        } else {
            None
        }
    }
}

fn clamp(share: f64) -> f64 {
    if share.is_nan() {
        0.0
    } else {
        share.clamp(0.0, 1.0)
    }
}

/// A uniform draw in `[0, 1)`.
fn uniform() -> f64 {
    let bytes = crate::ids::random_bytes(8);
    let mut word = [0u8; 8];
    for (d, s) in word.iter_mut().zip(bytes) {
        *d = s;
    }
    (u64::from_le_bytes(word) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certain_and_impossible_faults() {
        assert_eq!(Faults::none().draw(), None);
        assert_eq!(
            Faults::none().slow_down(1.0).draw(),
            Some(Action::slow_down())
        );
        assert_eq!(
            Faults::none().internal_error(1.0).draw(),
            Some(Action::internal_error())
        );
        assert_eq!(Faults::none().cut_body(1.0).draw(), Some(Action::CutBody));
        assert_eq!(Faults::none().slow_down(f64::NAN).slow_down_share(), 0.0);
    }

    #[test]
    fn shares_are_roughly_respected() {
        let f = Faults::none().slow_down(0.5);
        let hits = (0..2000).filter(|_| f.draw().is_some()).count();
        assert!((800..1200).contains(&hits), "{hits}");
    }
}
