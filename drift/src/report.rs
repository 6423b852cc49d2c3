//! A whole drift run as plain data: detection, classification under a
//! policy's drift blocks, and namespace hints, in the order `plumb drift`
//! needs them. The report writers (`plumb-report`) read a
//! [`DriftReport`]; nothing here prints.

use plumb_ingest::terraform_plan::DriftEntry;
use plumb_runtime::Resource;
use plumb_runtime::eval::CompiledPolicy;

use crate::{
    Classification, DriftError, DriftEvent, NamespaceHint, NoiseModel, Options, apply_namespace,
    classify, detect, namespace_hints, plan_drift, plan_sides,
};

/// What a drift run found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriftReport {
    /// Sorted by address, type, id, kind and path.
    pub events: Vec<DriftEvent>,
    /// With a policy: per event (same order), the drift block that
    /// classified it, or `None` when no block matches (never dropped).
    pub classifications: Option<Vec<Option<Classification>>>,
    /// Pairs of an added and a deleted object that differ only by
    /// namespace.
    pub namespace_hints: Vec<NamespaceHint>,
    /// Resources on each side.
    pub declared: usize,
    pub actual: usize,
}

impl DriftReport {
    /// Each event with its classification (`None` for the second part
    /// when no policy was given, `Some(None)` when none matched).
    pub fn classified(
        &self,
    ) -> impl Iterator<Item = (&DriftEvent, Option<Option<&Classification>>)> {
        self.events.iter().enumerate().map(|(i, e)| {
            let c = self
                .classifications
                .as_ref()
                .map(|cs| cs.get(i).and_then(Option::as_ref));
            (e, c)
        })
    }
}

/// How to run drift.
pub struct RunOptions<'a> {
    pub model: &'a NoiseModel,
    /// A policy whose drift blocks classify the events.
    pub policy: Option<&'a CompiledPolicy>,
    /// The namespace of Kubernetes manifests that name none (as
    /// `kubectl apply -n`).
    pub namespace: &'a str,
    pub threads: usize,
    /// Evaluation time for drift blocks, seconds since the Unix epoch.
    pub now: f64,
}

/// Declared against actual resources.
pub fn run(
    mut declared: Vec<Resource>,
    mut actual: Vec<Resource>,
    o: &RunOptions<'_>,
) -> Result<DriftReport, DriftError> {
    apply_namespace(&mut declared, o.namespace);
    apply_namespace(&mut actual, o.namespace);
    crate::folds::apply(&o.model.folds, &mut declared, &actual);
    let events = detect(&declared, &actual, o.model, &Options { threads: o.threads })?;
    let classifications = o
        .policy
        .map(|p| classify(p, &events, &declared, &actual, o.now));
    let namespace_hints = namespace_hints(&events, &declared);
    let report = DriftReport {
        events,
        classifications,
        namespace_hints,
        declared: declared.len(),
        actual: actual.len(),
    };
    // Freeing millions of small allocations one by one would delay the
    // report: a thread frees them off the critical path.
    drop_later(declared, actual);
    Ok(report)
}

/// A plan's `resource_drift`.
pub fn run_plan(entries: &[DriftEntry], o: &RunOptions<'_>) -> DriftReport {
    let events = plan_drift(entries, o.model);
    let classifications = o.policy.map(|p| {
        let (d, a) = plan_sides(entries);
        classify(p, &events, &d, &a, o.now)
    });
    DriftReport {
        events,
        classifications,
        namespace_hints: Vec::new(),
        declared: entries.iter().filter(|e| e.before.is_some()).count(),
        actual: entries.iter().filter(|e| e.after.is_some()).count(),
    }
}

fn drop_later(declared: Vec<Resource>, actual: Vec<Resource>) {
    if std::thread::Builder::new()
        .spawn(move || drop((declared, actual)))
        .is_err()
    {
        // No thread to be had: they were moved into the closure and
        // dropped with it.
    }
}
