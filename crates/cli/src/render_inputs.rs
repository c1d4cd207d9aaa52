//! Rendering Kustomize overlays and Helm charts found among the inputs, with the user's own
//! tools, before the rules run (`[render]` in `cutover.toml`, `--no-render`).
//!
//! This module runs the processes: no shell, a timeout, no network flags, one temporary wrapper
//! directory per overlay (removed afterwards); the output is kept in memory for this run only.
//! What the output means and how findings map back is the engine's (`lint_engine::render`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rayon::prelude::*;

use lint_engine::load::{InputError, Limits};
use lint_engine::render::kustomize::{self, Kustomization};
use lint_engine::render::{normal, RenderSource, RenderedText};
use lint_engine::runner::Skipped;

use crate::config::RenderSection;
use crate::render_cache::RenderCache;
use crate::render_process::{on_path, run_bounded};

/// How [`run_bounded`] starts the message of a renderer that exited with an error status.
const EXITED: &str = "exit status: ";

/// Default seconds one render may take.
pub const DEFAULT_TIMEOUT: f64 = 60.0;

/// One renderer run to do.
pub struct Job {
    program: PathBuf,
    /// `kubectl kustomize` or `kustomize build` or `helm template`, for messages.
    tool: &'static str,
    dir: PathBuf,
    name: String,
    what: JobKind,
    /// The input files this render reads (normal paths).
    owned: BTreeSet<PathBuf>,
}

enum JobKind {
    Kustomize(Vec<Kustomization>),
    Helm {
        values: Vec<PathBuf>,
        release: String,
        namespace: Option<String>,
    },
}

/// What to render, found among the inputs; the files a render reads are taken out of `files`.
#[derive(Default)]
pub struct Plan {
    pub jobs: Vec<Job>,
    /// Notes (no renderer on `PATH`) and errors (an unreadable kustomization).
    pub notes: Vec<Skipped>,
    pub errors: Vec<InputError>,
    pub timeout: Duration,
    /// The input files taken out for the renders, as walked.
    pub taken: Vec<PathBuf>,
}

/// Find the kustomizations and charts of the walked `files` and plan their renders.
pub fn plan(
    files: &mut Vec<PathBuf>,
    cfg: &RenderSection,
    config_dir: Option<&Path>,
    limits: &Limits,
) -> Plan {
    let mut plan = Plan {
        timeout: Duration::from_secs_f64(if cfg.timeout.is_finite() {
            cfg.timeout.clamp(0.1, 3600.0)
        } else {
            DEFAULT_TIMEOUT
        }),
        ..Plan::default()
    };
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    plan_kustomize(&mut plan, files, &dirs, cfg, config_dir, limits);
    plan_helm(&mut plan, files, &dirs, cfg);
    plan
}

fn plan_kustomize(
    plan: &mut Plan,
    files: &mut Vec<PathBuf>,
    dirs: &BTreeSet<PathBuf>,
    cfg: &RenderSection,
    config_dir: Option<&Path>,
    limits: &Limits,
) {
    let mut all = Vec::new();
    let mut shown = Vec::new();
    // One `stat` per name per input directory: done in parallel, kept in directory order.
    let dirs: Vec<&PathBuf> = dirs.iter().collect();
    let with_file: Vec<&PathBuf> = dirs
        .par_iter()
        .copied()
        .filter(|d| kustomize::file_of(d).is_some())
        .collect();
    for d in with_file {
        match Kustomization::read(d, limits) {
            Ok(k) => {
                all.push(k);
                shown.push(d.clone());
            }
            Err(message) => plan.errors.push(InputError {
                path: d.clone(),
                message,
                text: None,
                span: None,
            }),
        }
    }
    if all.is_empty() {
        return;
    }
    let selected: Vec<(&Kustomization, PathBuf)> = if cfg.overlays.is_empty() {
        let leaves = kustomize::leaves(&all);
        all.iter()
            .zip(&shown)
            .filter(|(k, _)| leaves.iter().any(|l| l.dir == k.dir))
            .map(|(k, d)| (k, d.clone()))
            .collect()
    } else {
        let base = config_dir.map(Path::to_path_buf).unwrap_or_default();
        cfg.overlays
            .iter()
            .filter_map(|o| {
                let want = normal(&base.join(o));
                let found = all.iter().zip(&shown).find(|(k, _)| k.dir == want);
                if found.is_none() {
                    plan.errors.push(InputError {
                        path: base.join(o),
                        message: format!("`[render] overlays` names `{o}`, which is not a kustomization among the inputs"),
                        text: None,
                        span: None,
                    });
                }
                found.map(|(k, d)| (k, d.clone()))
            })
            .collect()
    };
    let names: Vec<String> = selected.iter().map(|(_, d)| shown_dir(d)).collect();
    let Some((program, tool)) = kustomize_tool(cfg) else {
        plan.notes.push(Skipped {
            path: selected.first().map(|(_, d)| d.clone()).unwrap_or_default(),
            reason: format!(
                "Kustomize overlays not rendered ({}): neither `kubectl` nor `kustomize` is on PATH, so their files are linted as written; install kubectl (or set `[render] kustomize`) to lint what they render, or pass `--no-render` to silence this note",
                names.join(", ")
            ),
            note: true,
        });
        return;
    };
    let mut owned = BTreeSet::new();
    for ((k, dir), name) in selected.iter().zip(names) {
        let mine = k.owned(&all);
        owned.extend(mine.iter().cloned());
        plan.jobs.push(Job {
            program: program.clone(),
            tool,
            dir: dir.clone(),
            name,
            what: JobKind::Kustomize(k.chain(&all)),
            owned: mine,
        });
    }
    take(plan, files, |f| owned.contains(f));
}

fn plan_helm(
    plan: &mut Plan,
    files: &mut Vec<PathBuf>,
    dirs: &BTreeSet<PathBuf>,
    cfg: &RenderSection,
) {
    // A chart's directory is the parent of its `templates/` or holds `Chart.yaml` itself.
    // Each candidate directory is looked at once, however many input directories it is above.
    let candidates: BTreeSet<&Path> = dirs.iter().flat_map(|d| d.ancestors().take(3)).collect();
    let candidates: Vec<&Path> = candidates.into_iter().collect();
    let charts: BTreeSet<PathBuf> = candidates
        .into_par_iter()
        .filter(|d| d.join("Chart.yaml").is_file())
        .map(Path::to_path_buf)
        .collect();
    if charts.is_empty() {
        return;
    }
    let Some(program) = on_path(
        cfg.helm
            .program
            .as_deref()
            .filter(|p| !p.is_empty())
            .unwrap_or("helm"),
    ) else {
        // Without helm the templates are skipped with the loader's note, as before.
        return;
    };
    for chart in charts {
        let chart_abs = normal(&chart);
        let owned = files
            .iter()
            .map(|f| normal(f))
            .filter(|f| f.starts_with(&chart_abs))
            .collect();
        take(plan, files, |f| f.starts_with(&chart_abs));
        let values = cfg.helm.values.iter().map(|v| chart.join(v)).collect();
        plan.jobs.push(Job {
            program: program.clone(),
            tool: "helm template",
            name: shown_dir(&chart),
            dir: chart,
            what: JobKind::Helm {
                values,
                release: cfg
                    .helm
                    .release
                    .clone()
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| "release".into()),
                namespace: cfg.helm.namespace.clone().filter(|n| !n.is_empty()),
            },
            owned,
        });
    }
}

/// Move the files `owned` selects (by normal path) from the inputs to `plan.taken`.
fn take(plan: &mut Plan, files: &mut Vec<PathBuf>, owned: impl Fn(&Path) -> bool) {
    let (taken, kept): (Vec<PathBuf>, Vec<PathBuf>) =
        files.drain(..).partition(|f| owned(&normal(f)));
    *files = kept;
    plan.taken.extend(taken);
}

/// The files of `taken` that only failed renders read: they are linted as written instead.
pub fn fallback_files(taken: &[PathBuf], results: &[Outcome]) -> Vec<PathBuf> {
    let rendered: BTreeSet<&PathBuf> = results
        .iter()
        .filter(|(r, _)| r.is_ok())
        .flat_map(|(_, o)| o)
        .collect();
    let failed: BTreeSet<&PathBuf> = results
        .iter()
        .filter(|(r, _)| r.is_err())
        .flat_map(|(_, o)| o)
        .collect();
    taken
        .iter()
        .filter(|f| {
            let n = normal(f);
            failed.contains(&n) && !rendered.contains(&n)
        })
        .cloned()
        .collect()
}

/// The Kustomize renderer: the configured one, else `kubectl`, else `kustomize`.
fn kustomize_tool(cfg: &RenderSection) -> Option<(PathBuf, &'static str)> {
    let tool_of = |p: &Path| {
        let n = p
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        if n == "kustomize" {
            "kustomize build"
        } else {
            "kubectl kustomize"
        }
    };
    match cfg.kustomize.as_ref().filter(|k| !k.is_empty()) {
        Some(p) => on_path(p).map(|p| {
            let t = tool_of(&p);
            (p, t)
        }),
        None => ["kubectl", "kustomize"]
            .iter()
            .find_map(|n| on_path(n))
            .map(|p| {
                let t = tool_of(&p);
                (p, t)
            }),
    }
}

/// `env/production` for notes.
fn shown_dir(d: &Path) -> String {
    let s = lint_engine::discover::display_name(d);
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// The outcome of one render and the files it reads.
pub type Outcome = (Result<RenderedText, InputError>, BTreeSet<PathBuf>);

/// Run every planned render in parallel; each is rendered text or an input error naming it.
/// With a `cache` (the pre-commit path), a Kustomize render whose inputs did not change is
/// read from it, and a new one is kept in it.
pub fn run(jobs: Vec<Job>, timeout: Duration, cache: Option<&RenderCache>) -> Vec<Outcome> {
    lint_engine::runner::par_map_owned(jobs, |mut j| {
        let out = run_one(&j, timeout, cache);
        (out, std::mem::take(&mut j.owned))
    })
}

fn run_one(
    job: &Job,
    timeout: Duration,
    cache: Option<&RenderCache>,
) -> Result<RenderedText, InputError> {
    let fail = |message: String| InputError {
        path: job.dir.clone(),
        message,
        text: None,
        span: None,
    };
    match &job.what {
        JobKind::Kustomize(chain) => {
            let key = cache.and_then(|c| {
                let k = c.key(&job.program, &normal(&job.dir), chain, &job.owned)?;
                Some((c, k))
            });
            let cached = key.and_then(|(c, k)| c.get(k));
            if let Some(cached) = cached {
                let (wrapper, text) = cached
                    .map_err(|e| fail(format!("`{}` failed for {}: {e}", job.tool, job.name)))?;
                return Ok(RenderedText {
                    dir: job.dir.clone(),
                    name: job.name.clone(),
                    text,
                    source: RenderSource::Kustomize {
                        wrapper,
                        chain: chain.clone(),
                    },
                });
            }
            let wrapper = crate::render_process::Wrapper::new(&job.dir)
                .map_err(|e| fail(format!("cannot render {}: {e}", job.name)))?;
            let sub = if job.tool == "kustomize build" {
                "build"
            } else {
                "kustomize"
            };
            let out = run_bounded(
                &job.program,
                &[sub.as_ref(), wrapper.dir().as_os_str()],
                timeout,
            );
            let dir = wrapper.dir().to_path_buf();
            drop(wrapper);
            if let Some((c, k)) = key {
                match &out {
                    Ok(text) => c.put(k, &dir, Ok(text)),
                    // The renderer ran and rejected the inputs (not a timeout, a signal or a
                    // program that could not start): it will again until they change.
                    Err(e) if e.starts_with(EXITED) => c.put(k, &dir, Err(e)),
                    Err(_) => {}
                }
            }
            let text =
                out.map_err(|e| fail(format!("`{}` failed for {}: {e}", job.tool, job.name)))?;
            Ok(RenderedText {
                dir: job.dir.clone(),
                name: job.name.clone(),
                text,
                source: RenderSource::Kustomize {
                    wrapper: dir,
                    chain: chain.clone(),
                },
            })
        }
        JobKind::Helm {
            values,
            release,
            namespace,
        } => {
            let mut args: Vec<std::ffi::OsString> =
                vec!["template".into(), release.into(), job.dir.clone().into()];
            for v in values {
                args.push("--values".into());
                args.push(v.into());
            }
            if let Some(ns) = namespace {
                args.push("--namespace".into());
                args.push(ns.into());
            }
            let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
            let text = run_bounded(&job.program, &refs, timeout)
                .map_err(|e| fail(format!("`helm template` failed for {}: {e}", job.name)))?;
            Ok(RenderedText {
                dir: job.dir.clone(),
                name: job.name.clone(),
                text,
                source: RenderSource::Helm {
                    chart: normal(&job.dir),
                    values: values.iter().map(|v| normal(v)).collect(),
                },
            })
        }
    }
}
