//! Per-run shared facts: indexes over the model that several rules read (the IAM index, the
//! network model, the ECS↔Kubernetes pairing, …), built at most once per run by whichever rule
//! asks first and then shared by every rule of the run.
//!
//! The engine names no fact. A crate declares one by implementing [`Fact`] on a marker type and a
//! rule reads it with `cx.shared::<Marker>()`:
//!
//! ```
//! use lint_engine::shared::{Fact, FactContext};
//!
//! /// How many workloads the run has.
//! pub struct WorkloadCount;
//!
//! impl Fact for WorkloadCount {
//!     type Value<'m, 'a: 'm> = usize;
//!     fn build<'m, 'a: 'm>(cx: &FactContext<'m, 'a>) -> usize {
//!         cx.model.workloads.len()
//!     }
//! }
//! # let db = lint_engine::SourceDb::default();
//! # let model = lint_engine::Model::build(&db);
//! # let config = lint_engine::Config::default();
//! # let shared = lint_engine::shared::Shared::default();
//! # let cx = FactContext::new(&model, &config, &shared);
//! assert_eq!(*cx.get::<WorkloadCount>(), 0);
//! ```
//!
//! A fact's value may borrow from the model (`'a` is the lifetime of the loaded sources, `'m` the
//! lifetime of the model and of this cache), which is why the cache is keyed by a `'static`
//! marker type with a generic associated value type, rather than by the value's own type.
//! A fact may read other facts while it is built; a cycle between facts is a bug (it blocks).
//!
//! A fact's build must not use the rayon pool (`par_iter`, `join`). It usually runs inside a
//! rule, on a thread of the pool; while that thread waits for the parts of a parallel build it
//! runs other pending jobs, one of which can be a rule asking for the very fact the thread is
//! building, which then waits for itself for ever. (Tried, and seen to hang on a fixture.) A
//! build that is worth splitting uses plain scoped threads (`std::thread::scope`) whose work
//! touches neither the pool nor other facts, as the network model does for a large plan's
//! subnets: the waiting thread then only waits.

use std::any::TypeId;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

use crate::config::Config;
use crate::model::Model;

/// A fact shared by the rules of one run. Implemented on a `'static` marker type; the value is
/// built on first use from the model and the run's configuration.
pub trait Fact: 'static {
    /// What the fact holds; may borrow from the model (`'m`) and from the sources (`'a`).
    type Value<'m, 'a: 'm>: Send + Sync + 'm;

    /// Build the value. Called at most once per run.
    fn build<'m, 'a: 'm>(cx: &FactContext<'m, 'a>) -> Self::Value<'m, 'a>;
}

/// What a fact's builder sees: the model, the configuration and the other facts of the run.
#[derive(Clone, Copy)]
pub struct FactContext<'m, 'a> {
    pub model: &'m Model<'a>,
    pub config: &'m Config,
    shared: &'m Shared<'m, 'a>,
}

impl<'m, 'a: 'm> FactContext<'m, 'a> {
    pub fn new(model: &'m Model<'a>, config: &'m Config, shared: &'m Shared<'m, 'a>) -> Self {
        FactContext {
            model,
            config,
            shared,
        }
    }

    /// The value of fact `F` for this run (built now if no one asked before).
    pub fn get<F: Fact>(&self) -> &'m F::Value<'m, 'a> {
        self.shared.get::<F>(self)
    }
}

/// A built value with its type erased. Only [`Shared::get`] creates and reads these, always with
/// the type that belongs to the marker it is stored under.
struct Erased {
    ptr: *mut (),
    drop: unsafe fn(*mut ()),
}

// SAFETY: an `Erased` only ever holds a `Box<F::Value>`, and `Fact::Value` is `Send + Sync`.
unsafe impl Send for Erased {}
unsafe impl Sync for Erased {}

impl Drop for Erased {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `Box::into_raw` of the type `drop` was instantiated with.
        unsafe { (self.drop)(self.ptr) }
    }
}

unsafe fn drop_box<T>(ptr: *mut ()) {
    drop(Box::from_raw(ptr as *mut T));
}

/// A marker invariant in both lifetimes.
type Invariant<'m, 'a> = PhantomData<fn(&'m (), &'a ()) -> (&'m (), &'a ())>;

/// The per-run cache of facts. One per run; lives as long as the model's borrow (`'m`).
pub struct Shared<'m, 'a> {
    /// One slot per fact, boxed so that its address stays put while the map grows; slots are
    /// never removed before the cache is dropped.
    slots: Mutex<HashMap<TypeId, Box<OnceLock<Erased>>>>,
    /// The files whose findings the run reports, by file index (`None`: every file). See
    /// [`Shared::reporting_on`].
    reported: Option<Vec<bool>>,
    /// Invariant in both lifetimes: a cache filled with values borrowing for `'m` must never be
    /// read as one whose values live longer.
    _lifetimes: Invariant<'m, 'a>,
}

impl Default for Shared<'_, '_> {
    fn default() -> Self {
        Shared {
            slots: Mutex::new(HashMap::new()),
            reported: None,
            _lifetimes: PhantomData,
        }
    }
}

impl<'m, 'a: 'm> Shared<'m, 'a> {
    /// The facts of a run that reports only the findings located in some files (the pre-commit
    /// path: `reported[i]` for the file of index `i`; a file past the end is reported). The
    /// model and the facts still cover every input; a rule may skip the work whose findings
    /// would all land in files that are not reported ([`crate::RuleContext::reports_on`]).
    pub fn reporting_on(reported: Vec<bool>) -> Self {
        Shared {
            reported: Some(reported),
            ..Shared::default()
        }
    }

    /// Whether the findings located in `file` are reported by this run.
    pub fn reports_on(&self, file: crate::source::FileId) -> bool {
        self.reported
            .as_ref()
            .is_none_or(|r| r.get(file.0 as usize).copied().unwrap_or(true))
    }

    fn slot(&'m self, key: TypeId) -> &'m OnceLock<Erased> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slot: *const OnceLock<Erased> = &**slots.entry(key).or_default();
        drop(slots);
        // SAFETY: the slot is boxed (its address does not change when the map reallocates) and
        // is never removed or replaced while `self` lives, so it outlives the returned borrow.
        unsafe { &*slot }
    }

    fn get<F: Fact>(&'m self, cx: &FactContext<'m, 'a>) -> &'m F::Value<'m, 'a> {
        let erased = self.slot(TypeId::of::<F>()).get_or_init(|| {
            let value: Box<F::Value<'m, 'a>> = Box::new(F::build(cx));
            Erased {
                ptr: Box::into_raw(value) as *mut (),
                drop: drop_box::<F::Value<'m, 'a>>,
            }
        });
        // SAFETY: the slot keyed by `TypeId::of::<F>()` only ever holds an `F::Value<'m, 'a>`
        // (the lifetimes are those of this cache, which is invariant in them), and it is only
        // dropped with the cache.
        unsafe { &*(erased.ptr as *const F::Value<'m, 'a>) }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::SourceDb;

    static BUILDS: AtomicUsize = AtomicUsize::new(0);

    struct Names;
    impl Fact for Names {
        type Value<'m, 'a: 'm> = Vec<&'a str>;
        fn build<'m, 'a: 'm>(cx: &FactContext<'m, 'a>) -> Vec<&'a str> {
            BUILDS.fetch_add(1, Ordering::SeqCst);
            cx.model.db.files.iter().map(|f| f.name.as_str()).collect()
        }
    }

    /// A fact that reads another one while it is built.
    struct NameCount;
    impl Fact for NameCount {
        type Value<'m, 'a: 'm> = usize;
        fn build<'m, 'a: 'm>(cx: &FactContext<'m, 'a>) -> usize {
            cx.get::<Names>().len()
        }
    }

    #[test]
    fn built_once_and_shared_between_threads() {
        let db = SourceDb::default();
        let model = Model::build(&db);
        let config = Config::default();
        let shared = Shared::default();
        let cx = FactContext::new(&model, &config, &shared);
        let before = BUILDS.load(Ordering::SeqCst);
        let counts: Vec<usize> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4).map(|_| s.spawn(|| *cx.get::<NameCount>())).collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(counts, vec![0; 4]);
        assert!(cx.get::<Names>().is_empty());
        assert_eq!(BUILDS.load(Ordering::SeqCst) - before, 1);
    }

    /// A fact whose first build panics.
    struct FailsOnce;
    static FAILS_ONCE: AtomicUsize = AtomicUsize::new(0);
    impl Fact for FailsOnce {
        type Value<'m, 'a: 'm> = &'static str;
        fn build<'m, 'a: 'm>(_cx: &FactContext<'m, 'a>) -> &'static str {
            if FAILS_ONCE.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("first build fails");
            }
            "built"
        }
    }

    #[test]
    fn a_build_that_panics_leaves_the_fact_to_be_built_again() {
        let db = SourceDb::default();
        let model = Model::build(&db);
        let config = Config::default();
        let shared = Shared::default();
        let cx = FactContext::new(&model, &config, &shared);
        let first =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| *cx.get::<FailsOnce>()));
        assert!(first.is_err());
        assert_eq!(*cx.get::<FailsOnce>(), "built");
        assert_eq!(FAILS_ONCE.load(Ordering::SeqCst), 2);
    }
}
