// Each test starts several ActorSystems; on a 2-core machine they run one class at a time so
// failure detectors are not starved into false alarms.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
